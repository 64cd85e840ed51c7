using Akka.Event;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Host;

/// <summary>
/// The key-value server of a node started with <c>--join</c>, at the path its address names (<c>/user/kv</c>). A peer's
/// journal and every message of its group carry the group's cluster id, which a joining node does not know until the
/// leader that adds it first replicates to it: the gate waits for that first AppendEntries or InstallSnapshot, records
/// the cluster id in the data directory (a restart reads it back), then starts the server and its peer as its child
/// and hands it the message. From then on it forwards everything to the server, keeping the sender.
/// </summary>
/// <remarks>
/// Until then the peer does not exist, so it cannot campaign or write anything: the gate answers <see cref="GetState"/>
/// and <see cref="GetMembers"/> for it (not a member, no members) and drops everything else. The first group to
/// replicate to it wins; <c>--cluster-id</c> pins the group instead, and then the server starts at once.
/// </remarks>
internal sealed class JoinGate : ReceiveActor
{
    private readonly string _id;
    private readonly string _record;
    private readonly Func<string, Props> _server;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef? _started;

    public JoinGate(string id, string record, string? clusterId, Func<string, Props> server)
    {
        _id = id;
        _record = record;
        _server = server;
        if (clusterId is not null)
        {
            _started = Context.Watch(Context.ActorOf(_server(clusterId), "server"));
            Forwarding();
            return;
        }
        Receive<AppendEntries>(m => Join(m));
        Receive<InstallSnapshot>(m => Join(m));
        Receive<GetState>(_ => Sender.Tell(new RaftState(_id, 0, RaftRole.Follower, null, 0, 0, 0) { IsMember = false }));
        Receive<GetMembers>(_ => Sender.Tell(new Members(_id, null, 0, false, 0, [])));
        ReceiveAny(m => _log.Debug("{0} is not in a group yet: dropped {1}", _id, m.GetType().Name));
    }

    /// <summary>The file in <paramref name="dataDirectory"/> that holds the cluster id node <paramref name="id"/> joined.</summary>
    public static string RecordFile(string dataDirectory, string id) => Path.Combine(dataDirectory, $"{id}.cluster-id");

    /// <summary>The cluster id recorded in <paramref name="record"/>, or null when the node has not joined a group yet.</summary>
    /// <exception cref="HostError">The file exists but cannot be read or is empty.</exception>
    public static string? ReadRecord(string record)
    {
        if (!File.Exists(record)) return null;
        try
        {
            var text = File.ReadAllText(record).Trim();
            return text.Length > 0 ? text : throw new HostError($"{record} is empty: it should hold the cluster id this node joined");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HostError($"cannot read {record}: {e.Message}");
        }
    }

    private void Join(IRaftRequest request)
    {
        Props props;
        try
        {
            props = _server(request.ClusterId);
        }
        catch (Akka.Configuration.ConfigurationException e)
        {
            _log.Warning("{0} cannot join group '{1}' that {2} replicated from: {3}", _id, request.ClusterId, request.From, e.Message);
            return;
        }
        try
        {
            // Durable before the peer exists: a restart must come back to the same group and journal.
            var temporary = _record + ".tmp";
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
            {
                file.Write(System.Text.Encoding.UTF8.GetBytes(request.ClusterId + "\n"));
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, _record, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Error("{0} cannot record the cluster id {1} in {2}: {3}; it stays out of the group", _id, request.ClusterId, _record, e.Message);
            return;
        }
        _log.Info("{0} joins group {1}: {2} replicated to it first; recorded in {3}", _id, request.ClusterId, request.From, _record);
        _started = Context.Watch(Context.ActorOf(props, "server"));
        Become(Forwarding);
        _started.Forward(request);
    }

    private void Forwarding()
    {
        Receive<Terminated>(t => t.ActorRef.Equals(_started), _ => Context.Stop(Self));
        ReceiveAny(m => _started!.Forward(m));
    }
}
