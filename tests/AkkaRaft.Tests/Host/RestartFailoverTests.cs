using System.Diagnostics;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// Leader failover among real Host processes, round after round, where one of the two survivors is always a node that
/// was killed earlier and started again on the same address. Followers do not talk to each other, so when the leader
/// dies the other survivor may still hold a connection to the restarted node's previous process, and both open a new
/// one to each other as they become candidates at about the same moment.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class RestartFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>
    /// Each round kills the leader and starts it again; every round after the first has a restarted survivor. Three in
    /// the suite (two with a restarted survivor, each round about 15 s of process starts and settling); set
    /// AKKARAFT_RESTART_ROUNDS for a longer soak (for instance 30).
    /// </summary>
    private static readonly int Rounds = int.TryParse(Environment.GetEnvironmentVariable("AKKARAFT_RESTART_ROUNDS"), out var rounds) && rounds > 0 ? rounds : 3;

    /// <summary>The lab's bound for electing a leader (CheckOneLeader gives up after about 5 s).</summary>
    private static readonly TimeSpan ElectionBound = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a restarted node has been answering before the next leader is killed. This is part of the scenario, not
    /// a stand-in for a condition: a leader that fails a while after another node's restart, not during its start-up.
    /// Without the pause the next election ran while the restarted process was still cold, and the failure this test
    /// guards against (two survivors that cannot reach each other, fixed by <see cref="RaftActor"/>'s association
    /// keep-alive) did not show in 24 rounds; with a pause of 2.5 s or more it failed 4 of 11 runs of six rounds.
    /// </summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2.5);

    /// <summary>Generous bound on waits that are not elections: a restarted node catching up on a busy machine.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private HostCluster? _cluster;

    public async Task InitializeAsync() => _cluster = await HostCluster.Start(output, "cluster-3.hocon");

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    /// <summary>
    /// Raft §5.2 (liveness: a majority of servers that can talk elects a leader) across process restarts: after every
    /// SIGKILL of the leader, the two survivors, one of them restarted in an earlier round, agree on a new leader within
    /// the lab's 5 s, and the killed node, started again from its file, follows it.
    /// </summary>
    [Fact]
    public async Task Two_survivors_one_of_them_restarted_elect_a_leader_within_5_s_in_every_round()
    {
        var cluster = _cluster!;
        var leader = await cluster.AgreedLeader(Bound);
        output.WriteLine($"{leader.PeerId} leads at term {leader.Term}");
        var failovers = new List<double>();
        for (var round = 1; round <= Rounds; round++)
        {
            var victim = leader.PeerId;
            var survivors = cluster.Ids.Where(id => id != victim).ToArray();
            var clock = Stopwatch.StartNew();
            await cluster.Kill9(victim);
            RaftState next;
            try
            {
                next = await cluster.AgreedLeader(ElectionBound, survivors);
            }
            catch (Xunit.Sdk.XunitException e)
            {
                throw new Xunit.Sdk.XunitException($"round {round} of {Rounds}, after killing leader {victim} at term {leader.Term}: {e.Message}");
            }
            failovers.Add(clock.Elapsed.TotalSeconds);
            Assert.True(next.Term > leader.Term, $"round {round}: the new leader's term {next.Term} is not past the killed leader's {leader.Term}");
            output.WriteLine($"round {round}: killed {victim} (leader at term {leader.Term}); {next.PeerId} leads at term {next.Term} after {clock.Elapsed.TotalSeconds:F2} s");

            await cluster.StartNode(victim);
            var answering = Stopwatch.StartNew();
            leader = await cluster.AgreedLeader(Bound);
            if (answering.Elapsed < Settle) await Task.Delay(Settle - answering.Elapsed);
        }
        output.WriteLine($"failovers (s): {string.Join(", ", failovers.Select(f => f.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}");
    }
}
