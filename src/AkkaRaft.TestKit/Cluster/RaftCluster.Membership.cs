using AkkaRaft.Actors;

namespace AkkaRaft.TestKit;

// Growing and shrinking the group: peers beyond the initial members start empty (join = on), every peer reaches a
// member it was not given a route for through the simulated network, and changes go to the leader with retries.
public sealed partial class RaftCluster
{
    private readonly TimeProvider? _clock;

    /// <summary>How many peers formed the initial group (peers 0..InitialMembers-1); the rest started waiting to be added.</summary>
    public int InitialMembers { get; }

    /// <summary>
    /// The address peer <paramref name="i"/> is added under (<see cref="AddLearner"/>, <see cref="AddVoter"/>). The
    /// peers reach it through the simulated network whatever its incarnation, so it names the peer, not an actor.
    /// </summary>
    public string AddressOf(int i) => $"akka://{_system.Name}/user/{Settings.ClusterId}-{Id(i)}";

    /// <summary>A request to add peer <paramref name="i"/> as a learner.</summary>
    public AddLearner AddLearnerRequest(int i) => new(Id(i), AddressOf(i));

    /// <summary>A request to add peer <paramref name="i"/> as a voter (learner, catch-up, promotion).</summary>
    public AddVoter AddVoterRequest(int i) => new(Id(i), AddressOf(i));

    private RaftSettings PeerSettings(int i)
    {
        var settings = i < InitialMembers
            ? Settings.WithPeerId(Id(i))
            : Settings.WithMembership(join: true).WithPeerId(Id(i));
        return _tunePeer is null ? settings : _tunePeer(i, settings);
    }

    /// <summary>
    /// Routes of peer <paramref name="i"/>: an initial member is given its fellow initial members (as its settings
    /// require); anyone else, and every member for a joining peer, is resolved to its link. Messages on resolved routes
    /// carry a sender, which the link turns into the link back, so the receiver learns a route through the network.
    /// </summary>
    private RaftPeers PeersOf(int i)
    {
        var listed = i < InitialMembers ? InitialMembers : 0;
        var routes = Enumerable.Range(0, listed).Where(j => j != i).ToDictionary(Id, j => _links[i][j]);
        return RaftPeers.FromRefs(routes).WithResolver((id, _) => PeerNumber(id) is { } j && j != i ? _links[i][j] : null);
    }

    private int? PeerNumber(string id) =>
        id.Length > 1 && id[0] == 'n' && int.TryParse(id.AsSpan(1), out var k) && k >= 1 && k <= N ? k - 1 : null;

    /// <summary>Peer <paramref name="i"/>'s latest configuration; null when it is down or does not answer within 3 s.</summary>
    public async Task<Members?> GetMembers(int i)
    {
        var peer = _peers[i];
        if (peer is null) return null;
        try { return await peer.Ask<Members>(AkkaRaft.Actors.GetMembers.Instance, TimeSpan.FromSeconds(3)); }
        catch (AskTimeoutException) { return null; }
    }

    /// <summary>
    /// Sends <paramref name="request"/> (<see cref="AddLearner"/>, <see cref="AddVoter"/>, <see cref="PromoteLearner"/>,
    /// <see cref="RemoveMember"/>) to the connected leader of the highest term and returns its final answer: a
    /// <see cref="MembershipChanged"/>, or a <see cref="MembershipChangeRefused"/> that is not retryable. While there is no
    /// leader, or it answers <see cref="NotLeader"/> or a retryable refusal, it tries again after <paramref name="idle"/>.
    /// </summary>
    /// <param name="request">The change.</param>
    /// <param name="idle">What to do while waiting for an answer or before a retry: on virtual time, advance the scheduler
    /// a step and <see cref="Settle"/>; by default, 20 ms of real time.</param>
    /// <param name="attempts">How many times to call <paramref name="idle"/> in all before failing with a <see cref="RaftTestKitException"/>.</param>
    public async Task<object> ChangeMembership(object request, Func<Task>? idle = null, int attempts = 1000)
    {
        idle ??= () => Task.Delay(20);
        var idled = 0;
        async Task Idle()
        {
            if (++idled > attempts) throw new RaftTestKitException($"no final answer to {request} after {attempts} waits");
            await idle();
        }
        while (true)
        {
            if (await LeaderOfHighestTerm() is not { } leader)
            {
                await Idle();
                continue;
            }
            var answer = _peers[leader]!.Ask<object>(request, TimeSpan.FromSeconds(60));
            while (!answer.IsCompleted) await Idle();
            object reply;
            try { reply = await answer; }
            catch (AskTimeoutException) { continue; }
            switch (reply)
            {
                case MembershipChanged:
                case MembershipChangeRefused { Retryable: false }:
                    return reply;
                default:
                    await Idle();
                    break;
            }
        }
    }

    /// <summary>The connected peer that leads the highest term, or null when none leads.</summary>
    public async Task<int?> LeaderOfHighestTerm()
    {
        var leader = (await ConnectedStates()).Where(s => s.State.IsLeader).OrderByDescending(s => s.State.Term).FirstOrDefault();
        return leader.State is null ? null : leader.Peer;
    }
}
