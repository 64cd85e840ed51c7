using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Configuration;

namespace AkkaRaft.Bench;

/// <summary>
/// What no replication protocol on this machine can beat, measured in the same run as the rows: a round trip of a
/// 64-byte message over loopback TCP, the same between actors in two ActorSystems over Akka.Remote, and one 64-byte
/// append to a file followed by fsync on the disk the SQLite journals (and dotNext's disk WAL) live on. A durable
/// commit needs at least one round trip to a follower and one fsync.
/// </summary>
internal static class PhysicalFloor
{
    public const string SystemName = "floor";
    public const string TcpRtt = "tcp-rtt";
    public const string AkkaRemoteRtt = "akka-remote-rtt";
    public const string Fsync = "append+fsync";

    private const int MessageBytes = 64;

    /// <summary>Measures all three; <paramref name="samples"/> round trips each (a tenth of that for fsync, which is slow).</summary>
    public static async Task<FloorResult[]> Measure(string diskDirectory, int samples) =>
    [
        await MeasureTcp(samples),
        await MeasureAkkaRemote(samples),
        MeasureFsync(diskDirectory, Math.Max(20, samples / 10)),
    ];

    private static async Task<FloorResult> MeasureTcp(int samples)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var server = await listener.AcceptTcpClientAsync();
        server.NoDelay = true;
        var echo = Task.Run(async () =>
        {
            var buffer = new byte[MessageBytes];
            var stream = server.GetStream();
            try
            {
                while (true)
                {
                    await stream.ReadExactlyAsync(buffer);
                    await stream.WriteAsync(buffer);
                }
            }
            catch (Exception e) when (e is EndOfStreamException or IOException or ObjectDisposedException)
            {
                // the client hung up: done
            }
        });
        var recorder = new LatencyRecorder();
        var message = new byte[MessageBytes];
        var reply = new byte[MessageBytes];
        var stream = client.GetStream();
        var start = Stopwatch.GetTimestamp();
        for (var i = -samples / 10; i < samples; i++) // the first tenth warms up
        {
            var sentAt = Stopwatch.GetTimestamp();
            await stream.WriteAsync(message);
            await stream.ReadExactlyAsync(reply);
            if (i >= 0) recorder.Add(Stopwatch.GetTimestamp() - sentAt);
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        client.Close();
        await echo;
        return new FloorResult(TcpRtt, recorder.Summarize(elapsed));
    }

    private static async Task<FloorResult> MeasureAkkaRemote(int samples)
    {
        var config = ConfigurationFactory.ParseString(BenchCluster.RemoteHocon + "\nakka.loglevel = ERROR");
        using var a = ActorSystem.Create(BenchCluster.RemoteSystemName, config);
        using var b = ActorSystem.Create(BenchCluster.RemoteSystemName, config);
        try
        {
            b.ActorOf(Props.Create(() => new Echo()), "echo");
            var path = new RootActorPath(((ExtendedActorSystem)b).Provider.DefaultAddress) / "user" / "echo";
            var echo = await a.ActorSelection(path).ResolveOne(TimeSpan.FromSeconds(10));
            var done = new TaskCompletionSource<(LatencyRecorder, TimeSpan)>(TaskCreationOptions.RunContinuationsAsynchronously);
            a.ActorOf(Props.Create(() => new Pinger(echo, samples / 10, samples, done)), "pinger");
            var (recorder, elapsed) = await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return new FloorResult(AkkaRemoteRtt, recorder.Summarize(elapsed));
        }
        finally
        {
            await Task.WhenAll(a.Terminate(), b.Terminate());
        }
    }

    private static FloorResult MeasureFsync(string directory, int samples)
    {
        var file = Path.Combine(directory, $"fsync-{Guid.NewGuid():N}.bin");
        try
        {
            using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
            var record = new byte[MessageBytes];
            var recorder = new LatencyRecorder();
            var start = Stopwatch.GetTimestamp();
            for (var i = -samples / 10; i < samples; i++)
            {
                var t = Stopwatch.GetTimestamp();
                stream.Write(record);
                stream.Flush(flushToDisk: true);
                if (i >= 0) recorder.Add(Stopwatch.GetTimestamp() - t);
            }
            return new FloorResult(Fsync, recorder.Summarize(Stopwatch.GetElapsedTime(start)));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }

    /// <summary>Keeps one 64-byte message (Akka's built-in byte-array serializer) going back and forth, timing each round.</summary>
    private sealed class Pinger : ReceiveActor
    {
        private readonly LatencyRecorder _recorder = new();
        private readonly byte[] _message = new byte[MessageBytes];
        private readonly long _start = Stopwatch.GetTimestamp();
        private long _sentAt;
        private int _round;

        public Pinger(IActorRef echo, int warmup, int samples, TaskCompletionSource<(LatencyRecorder, TimeSpan)> done)
        {
            _round = -warmup;
            Receive<byte[]>(_ =>
            {
                if (_round++ >= 0) _recorder.Add(Stopwatch.GetTimestamp() - _sentAt);
                if (_round >= samples)
                {
                    done.TrySetResult((_recorder, Stopwatch.GetElapsedTime(_start)));
                    Context.Stop(Self);
                    return;
                }
                _sentAt = Stopwatch.GetTimestamp();
                echo.Tell(_message);
            });
            _sentAt = Stopwatch.GetTimestamp();
            echo.Tell(_message);
        }
    }
}

/// <summary>One floor measurement: what it is (<see cref="PhysicalFloor"/>'s names) and its latencies.</summary>
internal sealed record FloorResult(string Name, LatencySummary Latency);
