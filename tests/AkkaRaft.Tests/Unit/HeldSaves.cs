using Akka.Persistence;
using Akka.Persistence.TestKit;

namespace AkkaRaft.Tests.Unit;

/// <summary>Holds the first two snapshot saves until the test releases each; later saves pass at once.</summary>
internal sealed class HeldSaves : ISnapshotStoreInterceptor
{
    private int _calls;

    public TaskCompletionSource FirstStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource SecondStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource ReleaseFirst { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource ReleaseSecond { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task InterceptAsync(string persistenceId, SnapshotSelectionCriteria criteria)
    {
        switch (Interlocked.Increment(ref _calls))
        {
            case 1:
                FirstStarted.TrySetResult();
                return ReleaseFirst.Task;
            case 2:
                SecondStarted.TrySetResult();
                return ReleaseSecond.Task;
            default:
                return Task.CompletedTask;
        }
    }
}
