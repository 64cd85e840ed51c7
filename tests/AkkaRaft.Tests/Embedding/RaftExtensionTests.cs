using Akka.Configuration;
using AkkaRaft.Actors;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Serialization;

namespace AkkaRaft.Tests.Embedding;

/// <summary>The extension that prepares a system for peers: defaults, serializer bindings, and the scheduler clock.</summary>
public sealed class RaftExtensionTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Config LonePeer = ConfigurationFactory.ParseString("akka.raft { cluster-id = ext, members = [n1] }");

    [Fact]
    public void A_fresh_system_binds_the_protocol_to_the_raft_serializer_once_a_peer_exists()
    {
        using var system = ActorSystem.Create("fresh", "akka.loglevel = WARNING");
        var settings = RaftSettings.Create(LonePeer).WithPeerId("n1");

        var peer = system.ActorOf(RaftActor.SupervisedProps(settings, RaftPeers.FromRefs(new Dictionary<string, IActorRef>())));

        AwaitAssert(() => Assert.True(peer.Ask<RaftState>(GetState.Instance, TimeSpan.FromSeconds(3)).Result.IsLeader),
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
        Assert.IsType<RaftSerializer>(system.Serialization.FindSerializerForType(typeof(RequestVote)));
    }

    [Fact]
    public void A_supervised_peer_waits_for_the_clock_and_keeps_what_arrives_meanwhile()
    {
        using var system = ActorSystem.Create("gated", "akka.loglevel = WARNING");
        var clock = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        system.RegisterExtension(new RaftExtensionProvider(_ => clock.Task));
        var settings = RaftSettings.Create(LonePeer).WithPeerId("n1");
        var asker = CreateTestProbe(system);

        var peer = system.ActorOf(RaftActor.SupervisedProps(settings, RaftPeers.FromRefs(new Dictionary<string, IActorRef>())));
        peer.Tell(GetState.Instance, asker.Ref);

        asker.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // no incarnation schedules anything before the clock runs
        clock.SetResult();
        Assert.Equal("n1", asker.ExpectMsg<RaftState>(TimeSpan.FromSeconds(10)).PeerId);
    }

    [Fact]
    public async Task On_a_pool_thread_the_clock_starts_on_another_thread_and_the_caller_does_not_wait()
    {
        using var gate = new ManualResetEventSlim();
        var startedOnPool = new TaskCompletionSource<bool>();

        var started = await OnPool(() => SchedulerClock.Start(() =>
        {
            startedOnPool.SetResult(Thread.CurrentThread.IsThreadPoolThread);
            gate.Wait(TimeSpan.FromSeconds(10));
        })).WaitAsync(TimeSpan.FromSeconds(5)); // a caller that waited would still be inside

        Assert.False(started.IsCompleted);
        Assert.False(await startedOnPool.Task);
        gate.Set();
        await started.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Off_the_pool_the_clock_starts_in_place()
    {
        Task? started = null;
        var callerThread = -1;
        var startThread = -2;
        var thread = new Thread(() =>
        {
            callerThread = Environment.CurrentManagedThreadId;
            started = SchedulerClock.Start(() => startThread = Environment.CurrentManagedThreadId);
        });
        thread.Start();
        thread.Join();

        Assert.True(started!.IsCompletedSuccessfully);
        Assert.Equal(callerThread, startThread);
    }

    [Fact]
    public async Task A_clock_that_cannot_start_faults_the_task()
    {
        var started = await OnPool(() => SchedulerClock.Start(() => throw new InvalidOperationException("cannot enqueue after timer shutdown")));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => started.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("timer shutdown", error.Message);
    }

    /// <summary>Runs <paramref name="start"/> on a pool thread and returns its task without waiting for it.</summary>
    private static Task<Task> OnPool(Func<Task> start) =>
        Task.Factory.StartNew(start, CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Default);
}
