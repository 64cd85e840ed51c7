using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AkkaRaft.Actors;
using AkkaRaft.KeyValue;

namespace AkkaRaft.Host;

/// <summary>
/// One line of `shell` input, understood: an operation (<see cref="Operation"/> set) or, with <see cref="Problem"/>
/// set, a line that is not one and was not run.
/// </summary>
/// <param name="Op">The line's first word, as typed.</param>
/// <param name="Operation">The operation, when the line is well formed.</param>
/// <param name="Key">The key, when the line is well formed.</param>
/// <param name="Value">For put and append, the value: the rest of the line after the one space that follows the key.</param>
/// <param name="Problem">Why the line is not an operation.</param>
/// <param name="Error">With <see cref="Problem"/>, its one word: "bad-input" or "too-large".</param>
internal sealed record ShellRequest(string Op, KvOperation? Operation, string? Key, string? Value, string? Problem, string? Error = null)
{
    /// <summary>
    /// Reads one line: `put KEY VALUE`, `append KEY VALUE` or `get KEY`; refuses a key and value of more than
    /// <paramref name="maxBytes"/> bytes of UTF-8.
    /// </summary>
    public static ShellRequest Parse(string line, int maxBytes)
    {
        var request = Parse(line);
        if (request.Operation is null) return request;
        var bytes = Encoding.UTF8.GetByteCount(request.Key!) + Encoding.UTF8.GetByteCount(request.Value ?? "");
        return bytes <= maxBytes ? request
            : new ShellRequest(request.Op, null, request.Key, null, $"key and value take {bytes} bytes; at most {maxBytes} fit in one message", "too-large");
    }

    private static ShellRequest Parse(string line)
    {
        var (op, afterOp) = Word(line.TrimStart());
        var (key, afterKey) = Word(afterOp.TrimStart());
        return op switch
        {
            "get" when key.Length == 0 => Bad(op, "get takes KEY"),
            "get" when afterKey.Trim().Length > 0 => Bad(op, $"get takes only KEY, found '{afterKey.Trim()}' after it"),
            "get" => new ShellRequest(op, KvOperation.Get, key, null, null),
            "put" or "append" when key.Length == 0 || afterKey.Length == 0 => Bad(op, $"{op} takes KEY VALUE"),
            "put" => new ShellRequest(op, KvOperation.Put, key, afterKey[1..], null),
            "append" => new ShellRequest(op, KvOperation.Append, key, afterKey[1..], null),
            _ => Bad(op, $"unknown operation '{op}'; expected put, append or get"),
        };
    }

    private static ShellRequest Bad(string op, string problem) => new(op, null, null, null, problem, "bad-input");

    /// <summary>The text up to the first white space, and the rest (starting with that white space).</summary>
    private static (string Word, string After) Word(string text)
    {
        var end = 0;
        while (end < text.Length && !char.IsWhiteSpace(text[end])) end++;
        return (text[..end], text[end..]);
    }
}

/// <summary>
/// `shell`: one long-lived client reading an operation per line from stdin and answering each with one JSON object per
/// line on stdout, in order, flushed as it is written, so that another program can drive the cluster through a pipe.
/// </summary>
internal static class ShellCommand
{
    // The output is a line protocol read by programs, never embedded in HTML: keep non-ASCII text and characters such
    // as '<' readable instead of \u-escaping them. Quotes, backslashes and control characters are still escaped.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Room in one Akka.Remote frame for everything but the key and value: paths, ids, the serializer's framing, and the
    // AppendEntries that carries the write on to the followers.
    private const int FrameOverhead = 4096;

    public static async Task<int> Run(ClusterFile cluster, TimeSpan timeout)
    {
        using var system = ClientCommands.ClientSystem(cluster);
        try
        {
            var servers = await ClusterView.Servers(system, cluster);
            // One client for the whole shell: its session and growing sequence numbers keep every write at most once.
            var client = new KvClient(system, servers, new KvClientOptions { OperationTimeout = timeout });
            // A request larger than a frame is dropped by the transport, and would only ever time out: refuse it instead.
            var maxBytes = (int)(system.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") ?? 128000) - FrameOverhead;
            using var input = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
            await using var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            while (await input.ReadLineAsync() is { } line)
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                var request = ShellRequest.Parse(line, maxBytes);
                var result = request.Operation switch
                {
                    null => null,
                    KvOperation.Put => await client.PutAsync(request.Key!, request.Value!),
                    KvOperation.Append => await client.AppendAsync(request.Key!, request.Value!),
                    _ => await client.GetAsync(request.Key!),
                };
                await output.WriteLineAsync(Reply(request, result));
            }
            return 0;
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>
    /// The answer to one line, as one line of JSON: <c>op</c>, <c>key</c>, <c>value</c> (for a get, the value read,
    /// null when absent), <c>ok</c>; when not ok, <c>error</c> ("timeout": the outcome is unknown; "session-expired": the
    /// cluster evicted the shell's session, the write's outcome is unknown, and the next write runs in a fresh session;
    /// "bad-input" or "too-large": nothing was done, and <c>detail</c> says why).
    /// </summary>
    public static string Reply(ShellRequest request, KvResult? result)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("op", request.Op);
            if (result is null)
            {
                if (request.Key is not null) json.WriteString("key", request.Key);
                json.WriteBoolean("ok", false);
                json.WriteString("error", request.Error);
                json.WriteString("detail", request.Problem);
            }
            else
            {
                json.WriteString("key", request.Key);
                if (request.Operation != KvOperation.Get) json.WriteString("value", request.Value);
                else if (result.IsOk) json.WriteString("value", result.Value);
                json.WriteBoolean("ok", result.IsOk);
                if (!result.IsOk) json.WriteString("error", result.Outcome == KvOutcome.SessionExpired ? "session-expired" : "timeout");
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
