using Akka.Actor;
using Akka.Persistence;
using Xunit.Abstractions;

namespace AkkaRaft.Tests.Persistence;

/// <summary>
/// What one journal write allocates in the whole process, Akka's messages included, once warmed up, beside the same
/// writes to Akka's in-memory journal. The count is process-wide, so this runs with no other test beside it.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class RocksDbAllocationTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(RocksDbTestSupport.ConfigFor(Path))
{
    private static readonly string Path = RocksDbTestSupport.NewPath();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        RocksDbTestSupport.Delete(Path);
    }

    [Fact]
    public async Task A_write_of_one_small_event_allocates_little()
    {
        var rocks = PerWrite(Sys);
        var memory = ActorSystem.Create("memory", Akka.Configuration.ConfigurationFactory
            .ParseString("akka.persistence.journal.plugin = \"akka.persistence.journal.inmem\"").WithFallback(Sys.Settings.Config));
        var inMemory = PerWrite(memory);
        await memory.Terminate();
        output.WriteLine($"{rocks} bytes allocated per write, end to end (the test's own messages and probe included); "
            + $"{inMemory} with Akka's in-memory journal");
        Assert.True(rocks < inMemory + 2_000, $"{rocks} bytes a write, {inMemory} with the in-memory journal");
    }

    private long PerWrite(ActorSystem system)
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);
        var probe = CreateTestProbe(system);
        var payload = "event";
        void Write(long seq)
        {
            var write = new AtomicWrite(new Persistent(payload, seq, "alloc", "", false, probe.Ref, "w"));
            journal.Tell(new WriteMessages(new IPersistentEnvelope[] { write }, probe.Ref, 1));
            probe.ExpectMsg<WriteMessagesSuccessful>();
            probe.ExpectMsg<WriteMessageSuccess>();
        }

        for (var i = 1; i <= 200; i++) Write(i);
        const int Measured = 1000;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 201; i < 201 + Measured; i++) Write(i);
        return (GC.GetTotalAllocatedBytes(precise: true) - before) / Measured;
    }
}
