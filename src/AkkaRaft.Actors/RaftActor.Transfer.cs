using Akka.Actor;
using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Actors;

public sealed partial class RaftActor
{
    private const string TransferTimerKey = "transfer";

    /// <summary>
    /// Raft thesis §3.10: hand leadership to a voter. The leader stops appending (so nothing it appends is lost to the
    /// next term), brings the target's log up to date, then sends it <see cref="TimeoutNow"/>. An attempt that has not
    /// ended in an election timeout is abandoned.
    /// </summary>
    private void OnTransferLeadership(TransferLeadership request) => StartTransfer(request.Target, Sender);

    /// <summary>
    /// Starts handing leadership to <paramref name="requested"/> (null: the most up-to-date other voter), telling
    /// <paramref name="replyTo"/> (if any) whether it started. False when refused.
    /// </summary>
    private bool StartTransfer(string? requested, IActorRef? replyTo)
    {
        var (target, refusal) = TransferRules.Choose(_id, _otherVoters, requested, peer => _progress[peer].Match);
        if (target is null)
        {
            _logger.Info("{0} refused to hand over leadership: {1}", _id, refusal);
            CountTransfer("refused");
            replyTo?.Tell(new TransferLeadershipRefused(_id, refusal!));
            return false;
        }
        if (_transferTarget == target) // already under way: its deadline stands
        {
            replyTo?.Tell(new TransferLeadershipStarted(_id, target));
            return true;
        }
        if (_transferTarget is { } previous)
        {
            _logger.Info("{0} abandons handing leadership to {1} for {2}", _id, previous, target);
            CountTransfer("abandoned");
        }
        _transferTarget = target;
        _timeoutNowSent = false;
        // The deadline runs before the caller hears of the attempt, so a caller that waits for the answer and then
        // lets time pass sees the attempt abandoned.
        Timers.StartSingleTimer(TransferTimerKey, TransferTimeout.Instance, _settings.ElectionTimeoutMax);
        replyTo?.Tell(new TransferLeadershipStarted(_id, target));
        _logger.Info("{0} hands leadership to {1} at term {2}", _id, target, _currentTerm);
        if (_proposed.Count > 0) Flush(); // what was accepted goes out before the target is judged up to date
        if (!MaybeSendTimeoutNow()) SendAppend(target, heartbeat: false);
        return true;
    }

    /// <summary>Sends the target <see cref="TimeoutNow"/> once its log matches the leader's. True when sent, now or before.</summary>
    private bool MaybeSendTimeoutNow()
    {
        if (_transferTarget is not { } target) return false;
        if (_timeoutNowSent) return true;
        if (!TransferRules.TargetCaughtUp(_progress[target].Match, _log.LastIndex)) return false;
        _timeoutNowSent = true;
        // The target's campaign gets past the vote lease, so from now on this term's read lease proves nothing.
        _leaseForfeited = true;
        _logger.Info("{0} tells {1} to campaign now (term {2}, log up to {3})", _id, target, _currentTerm, _log.LastIndex);
        Send(target, new TimeoutNow(_settings.ClusterId, _id, _currentTerm));
        return true;
    }

    private void OnTransferTimeout()
    {
        if (_transferTarget is null) return;
        _logger.Warning("{0} abandons handing leadership to {1}: not done within {2} ms", _id, _transferTarget, (long)_settings.ElectionTimeoutMax.TotalMilliseconds);
        CountTransfer("timed_out");
        EndTransfer();
        if (_leavingGroup) LeaveLeadership(); // removed: it steps down even though no one took over
    }

    private void EndTransfer()
    {
        _transferTarget = null;
        _timeoutNowSent = false;
        Timers.Cancel(TransferTimerKey);
    }

    /// <summary>
    /// The leader of this term hands this peer leadership: campaign at once, without waiting for an election timeout,
    /// saying so in the vote requests (Raft thesis §3.10).
    /// </summary>
    private void OnTimeoutNow(TimeoutNow now)
    {
        if (!Configuration.IsVoter(_id))
        {
            _logger.Warning("{0} ignored TimeoutNow from {1}: it is not a voter of {2}", _id, now.From, _configs.Latest);
            return;
        }
        _logger.Info("{0} campaigns at once: {1} hands it leadership at term {2}", _id, now.From, now.Term);
        BecomeCandidate(transfer: true);
    }
}
