namespace AkkaRaft.Hosting;

/// <summary>
/// The <see cref="ActorRegistry"/> key under which <c>WithRaft</c> registers its peer when no key of your own is given:
/// inject <c>IRequiredActor&lt;RaftPeer&gt;</c> to send it <see cref="Propose"/>, <see cref="GetState"/> and the other
/// messages of <c>AkkaRaft.Actors</c>. The reference is the peer's supervisor, which stays valid across restarts.
/// </summary>
public sealed class RaftPeer
{
    private RaftPeer() { }
}

/// <summary>
/// The <see cref="ActorRegistry"/> key under which <c>WithRaftKeyValueStore</c> registers its server when no key of your
/// own is given: inject <c>IRequiredActor&lt;RaftKeyValueStore&gt;</c> for the <c>KvServer</c>, or call
/// <see cref="RaftKeyValueClientExtensions.CreateKvClient(ActorSystem, AkkaRaft.KeyValue.KvClientOptions?)"/> for a client.
/// </summary>
public sealed class RaftKeyValueStore
{
    private RaftKeyValueStore() { }
}
