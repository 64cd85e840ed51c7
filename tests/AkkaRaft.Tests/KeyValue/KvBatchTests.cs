using Akka.Configuration;
using AkkaRaft.Actors;
using AkkaRaft.KeyValue;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.KeyValue;

/// <summary>
/// A client that runs many sessions sends its requests together in one <see cref="KvRequests"/>: the server handles
/// each as if it came alone, and answers that are ready together leave together, as <see cref="KvResponses"/>.
/// </summary>
public sealed class KvBatchTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit("akka.loglevel = WARNING", output)
{
    private IActorRef Follower(string clusterId)
    {
        // A lone member that waits 30 s before it campaigns: a follower for the whole test.
        var settings = RaftSettings.Create(ConfigurationFactory.ParseString($"akka.raft {{ cluster-id = {clusterId}, members = [n1] }}")).WithPeerId("n1")
            .WithElectionTimeout(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
        return Sys.ActorOf(KvServer.Props(settings, RaftPeers.FromRefs(new Dictionary<string, IActorRef>())));
    }

    private static KvRequest[] Puts(int count, long session = 7) =>
        Enumerable.Range(1, count).Select(i => new KvRequest(session, i, KvOperation.Put, $"k{i}", $"v{i}")).ToArray();

    [Fact]
    public void Answers_ready_together_leave_as_one_message_in_request_order()
    {
        var server = Follower("batch-answers");

        server.Tell(new KvRequests(Puts(5)));

        var answers = ExpectMsg<KvResponses>().Responses;
        Assert.Equal([1L, 2, 3, 4, 5], answers.Select(a => a.Sequence));
        Assert.All(answers, a => Assert.Equal(KvStatus.NotLeader, a.Status));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_request_sent_alone_is_answered_alone()
    {
        var server = Follower("batch-single");

        server.Tell(new KvRequest(7, 1, KvOperation.Put, "k", "v"));

        Assert.Equal(KvStatus.NotLeader, ExpectMsg<KvResponse>().Status);
    }

    [Fact]
    public void A_batch_of_more_requests_than_accepted_is_dropped_with_a_warning()
    {
        var server = Follower("batch-too-many");

        EventFilter.Warning(contains: $"at most {KvRequests.MaxCount} are accepted").ExpectOne(() =>
            server.Tell(new KvRequests(Puts(KvRequests.MaxCount + 1))));

        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        server.Tell(new KvRequests(Puts(1)));
        ExpectMsg<KvResponse>(); // the server is still there, and answers a batch of one alone
    }

    [Fact]
    public void Answers_are_split_by_count_and_by_bytes_in_order()
    {
        var small = Enumerable.Range(1, 2 * KvRequests.MaxCount + 1).Select(i => new KvResponse(1, i, KvStatus.Ok)).ToArray();
        var byCount = KvAnswerBatches.Split(small).ToArray();
        Assert.Equal([KvRequests.MaxCount, KvRequests.MaxCount, 1], byCount.Select(p => p.Length));
        Assert.Equal(small.Select(a => a.Sequence), byCount.SelectMany(p => p).Select(a => a.Sequence));

        var value = new string('x', KvResponses.MaxBytes / 4);
        var large = Enumerable.Range(1, 10).Select(i => new KvResponse(1, i, KvStatus.Ok, value)).ToArray();
        var byBytes = KvAnswerBatches.Split(large).ToArray();
        Assert.All(byBytes, p => Assert.True(p.Sum(KvAnswerBatches.SizeOf) <= KvResponses.MaxBytes, $"a part of {p.Sum(KvAnswerBatches.SizeOf)} bytes"));
        Assert.True(byBytes.Length >= 4, $"{byBytes.Length} parts");
        Assert.Equal(large.Select(a => a.Sequence), byBytes.SelectMany(p => p).Select(a => a.Sequence));

        var huge = new KvResponse(1, 1, KvStatus.Ok, new string('x', 2 * KvResponses.MaxBytes));
        Assert.Equal([1, 1, 1], KvAnswerBatches.Split([large[0], huge, large[1]]).Select(p => p.Length));
    }
}

/// <summary>Batches through a leader: every request is carried out once and answered once, whatever the grouping.</summary>
[Collection(TimingCollection.Name)]
public sealed class KvBatchLeaderTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit("akka.loglevel = WARNING", output)
{
    [Fact]
    public void A_batch_of_writes_and_then_of_reads_is_carried_out_and_answered_once_each()
    {
        var settings = RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft { cluster-id = batch-leader, members = [n1] }")).WithPeerId("n1")
            .WithElectionTimeout(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(400));
        var server = Sys.ActorOf(KvServer.Props(settings, RaftPeers.FromRefs(new Dictionary<string, IActorRef>())));
        // Until the lone member has elected itself, a registration is answered NotLeader.
        long session = 0;
        AwaitAssert(() =>
        {
            server.Tell(KvRegister.Instance);
            var registered = ExpectMsg<KvResponse>();
            Assert.Equal(KvStatus.Ok, registered.Status);
            session = registered.SessionId;
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));

        const int count = 200;
        var puts = Enumerable.Range(1, count).Select(i => new KvRequest(session, i, KvOperation.Put, $"k{i % 50}", $"v{i}")).ToArray();
        server.Tell(new KvRequests(puts));
        var putAnswers = Collect(count);
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), putAnswers.Select(a => a.Sequence).Order());
        Assert.All(putAnswers, a => Assert.Equal(KvStatus.Ok, a.Status));

        // A retry of the same batch is answered from the session table: nothing is applied twice.
        var appends = Enumerable.Range(count + 1, 10).Select(i => new KvRequest(session, i, KvOperation.Append, "log", $"{i},")).ToArray();
        server.Tell(new KvRequests(appends));
        Collect(appends.Length);
        server.Tell(new KvRequests(appends));
        Assert.All(Collect(appends.Length), a => Assert.Equal(KvStatus.Ok, a.Status));

        var gets = Enumerable.Range(0, 50).Select(k => new KvRequest(session, 1000 + k, KvOperation.Get, $"k{k}"))
            .Append(new KvRequest(session, 2000, KvOperation.Get, "log")).ToArray();
        server.Tell(new KvRequests(gets));
        var values = Collect(gets.Length).ToDictionary(a => a.Sequence, a => a.Value);
        for (var k = 0; k < 50; k++)
            Assert.Equal($"v{(k == 0 ? count : count - 50 + k)}", values[1000 + k]); // the last put of key k{k}
        Assert.Equal(string.Concat(appends.Select(a => a.Value)), values[2000]);
    }

    /// <summary>Answers until <paramref name="count"/> have come, alone or together; no request is answered twice.</summary>
    private List<KvResponse> Collect(int count)
    {
        var answers = new List<KvResponse>();
        while (answers.Count < count)
        {
            var message = ExpectMsg<IKvMessage>(TimeSpan.FromSeconds(10));
            answers.AddRange(message switch
            {
                KvResponse one => [one],
                KvResponses many => many.Responses,
                _ => throw new InvalidOperationException($"unexpected {message}"),
            });
        }
        Assert.Equal(answers.Count, answers.Select(a => a.Sequence).Distinct().Count());
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        return answers;
    }
}
