using Akka.Persistence;
using AkkaRaft.Actors.Protocol;
using AkkaRaft.Actors.Persistence;
using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Metrics;
using AkkaRaft.Actors.Serialization;

namespace AkkaRaft.Actors;

public sealed partial class RaftActor
{
    /// <summary>Handlers every role registers: snapshots from the state machine and the snapshot store's answers.</summary>
    private void SnapshotCommands()
    {
        Command<Snapshot>(OnLocalSnapshot);
        Command<SaveSnapshotSuccess>(OnSnapshotSaved);
        Command<SaveSnapshotFailure>(f => _logger.Warning("{0} could not save its snapshot at sequence number {1} ({2}); the journal keeps every entry meanwhile", _id, f.Metadata.SequenceNr, f.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _logger.Warning("{0} could not delete journal events up to {1} ({2}); recovery still starts from the snapshot", _id, f.ToSequenceNr, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<KeepAssociationsTick>(_ => KeepAssociations());
        Command<ActorIdentity>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _logger.Warning("{0} could not delete old snapshots ({1})", _id, f.Cause.Message));
    }

    private RaftSnapshot CurrentSnapshot() =>
        new(_currentTerm, _votedFor, _log.SnapshotIndex, _log.SnapshotTerm, _snapshotState, _log.Entries()) { Configuration = SnapshotConfiguration() };

    /// <summary>
    /// The configuration a snapshot carries: the one in effect at its last index, unless that is still the initial one
    /// (which the settings give again at every start). A joining peer has no initial configuration to fall back on.
    /// </summary>
    private ConfigurationEntry? SnapshotConfiguration()
    {
        var configuration = _configs.At(_log.SnapshotIndex);
        return configuration.Index > 0 || _settings.Join ? configuration : null;
    }

    /// <summary>
    /// Raft §7: the state machine captured everything up to <c>snapshot.Index</c>; discard that prefix of the log and
    /// store the snapshot, which then stands for the journal events before it.
    /// </summary>
    private void OnLocalSnapshot(Snapshot snapshot)
    {
        if (snapshot.Index <= _log.SnapshotIndex || snapshot.Index > _lastApplied)
        {
            _logger.Debug("{0} ignored a snapshot at {1} (snapshot at {2}, applied {3})", _id, snapshot.Index, _log.SnapshotIndex, _lastApplied);
            return;
        }
        _snapshotCreateStartedAt = StartTiming(RaftInstruments.SnapshotCreateDuration);
        if (_durability.AppendsInFlight == 0)
        {
            SaveLocalSnapshot(snapshot);
            return;
        }
        // A snapshot stands for the journal up to LastSequenceNr, which counts completed writes only, yet it would hold
        // the log as it is in memory, appends still being written included: recovery would replay those appends on top
        // of it, and deleting the journal up to it could miss them. A write of the unchanged term and vote that holds
        // the mailbox waits for every pending append; then memory and journal agree.
        Carry(Step.Hold(new HardStateChanged(_currentTerm, _votedFor)), () => SaveLocalSnapshot(snapshot));
    }

    private void SaveLocalSnapshot(Snapshot snapshot)
    {
        RetainForTransfers(snapshot.Index);
        _log.CompactTo(snapshot.Index);
        _configs.Compacted(snapshot.Index);
        _snapshotState = snapshot.State;
        // If this save is lost, the journal still holds every event, so recovery is merely slower.
        _snapshotCreateAwaited = LastSequenceNr;
        SaveSnapshot(CurrentSnapshot());
    }

    private void OnSnapshotSaved(SaveSnapshotSuccess saved)
    {
        if (saved.Metadata.SequenceNr == _snapshotCreateAwaited)
        {
            RecordSince(RaftInstruments.SnapshotCreateDuration, _snapshotCreateStartedAt);
            _snapshotCreateAwaited = -1;
        }
        // The snapshot holds everything the journal held up to its sequence number (term, vote, log suffix).
        DeleteMessages(saved.Metadata.SequenceNr);
        DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
    }

    private void OnRecoveredSnapshot(SnapshotOffer offer)
    {
        var s = (RaftSnapshot)offer.Snapshot;
        _currentTerm = s.Term;
        _votedFor = s.VotedFor;
        _log.Restore(s.LastIncludedIndex, s.LastIncludedTerm, s.Suffix);
        _configs = MembershipLog.FromSnapshot(s.LastIncludedIndex, s.Configuration ?? new ConfigurationEntry(0, _bootstrap));
        foreach (var entry in s.Suffix)
            if (entry.Kind == LogEntryKind.Configuration) _configs.Appended(entry.Index, MembershipCodec.Decode(entry.Command));
        OnConfigurationChanged();
        _snapshotState = s.State;
    }

    /// <summary>After recovery: the snapshot's entries are committed and, once handed to the state machine, applied.</summary>
    private void DeliverRecoveredSnapshot()
    {
        if (_log.SnapshotIndex == 0) return;
        _commitIndex = _lastApplied = _log.SnapshotIndex;
        _applyTo?.Tell(new SnapshotInstalled(_id, _log.SnapshotIndex, _log.SnapshotTerm, _snapshotState), Self);
    }

    /// <summary>Asks the apply target for a snapshot when the log has grown past a configured threshold.</summary>
    private void MaybeRequestSnapshot()
    {
        if (_applyTo is null) return;
        var byEntries = _settings.SnapshotLogEntries > 0 && _log.Count > _settings.SnapshotLogEntries;
        // The same measure the peer reports as LogBytes, its persisted state past the snapshot, so a threshold of N bytes keeps the
        // reported state near N; counting command bytes alone let small commands run far past it.
        var byBytes = _settings.SnapshotLogBytes > 0 && PersistedLogBytes() > _settings.SnapshotLogBytes;
        if (!byEntries && !byBytes) return;
        // Ask again only once the previous request has had its chance (a threshold's worth of new entries).
        var every = _settings.SnapshotLogEntries > 0 ? _settings.SnapshotLogEntries : Math.Max(1, _log.Count / 2);
        if (_snapshotRequestedAt > _log.SnapshotIndex && _lastApplied - _snapshotRequestedAt < every) return;
        _snapshotRequestedAt = _lastApplied;
        _applyTo.Tell(new SnapshotRequested(_id, _lastApplied), Self);
    }

    // ---- the leader's side of InstallSnapshot ----

    /// <summary>
    /// Sends the next chunk of a snapshot to <paramref name="peer"/> (Figure 13). A transfer the follower has begun to
    /// take finishes with the snapshot it began, even after the leader has taken a newer one: starting over at every new
    /// snapshot would never finish where a transfer takes longer than the log takes to reach the next snapshot. A
    /// transfer not yet under way starts with the newest.
    /// </summary>
    private void SendSnapshotChunk(string peer, FollowerProgress progress)
    {
        if (progress.Mode != ReplicationMode.Snapshot || (!progress.SnapshotUnderway && progress.SnapshotIndex != _log.SnapshotIndex))
        {
            _logger.Info("{0} sends {1} its snapshot at {2} (it needs index {3}, compacted)", _id, peer, _log.SnapshotIndex, progress.Next);
            progress.BeginSnapshot(new SnapshotImage(_log.SnapshotIndex, _log.SnapshotTerm, _snapshotState, _configs.At(_log.SnapshotIndex)));
        }
        if (progress.ChunkOutstanding) return;
        var image = progress.Image!;
        var offset = (int)Math.Min(progress.SnapshotOffset, image.State.Length);
        var length = Math.Min(_settings.SnapshotChunkBytes, image.State.Length - offset);
        var done = offset + length >= image.State.Length;
        Send(peer, new InstallSnapshot(_settings.ClusterId, _id, _currentTerm, image.Index, image.Term,
            offset, image.State.AsSpan(offset, length).ToArray(), done) { Configuration = done ? image.Configuration : null });
        progress.NoteSent(image.Index);
        progress.ChunkSent(offset + length);
    }

    private void OnInstallSnapshotResult(InstallSnapshotResult r)
    {
        var progress = _progress[r.From];
        var sending = progress.Image is { } image && image.Index == r.LastIncludedIndex ? image.State.Length : long.MaxValue;
        if (r.LastIncludedIndex > progress.HighestSent || r.NextOffset > sending)
        {
            _logger.Warning("{0} dropped an InstallSnapshotResult from {1} for index {2} at offset {3}: it was sent indexes up to {4} and a snapshot of {5} bytes",
                _id, r.From, r.LastIncludedIndex, r.NextOffset, progress.HighestSent, progress.Image?.State.Length ?? 0);
            return;
        }
        if (r.Installed)
        {
            // Stale unless it says more than the leader knew: a chunk resent after the install, or a late copy, is answered
            // again, and taking that answer anew would reset what the leader has sent since (appends in flight, or a
            // newer snapshot's transfer, begun again from its first byte).
            if (r.LastIncludedIndex <= progress.Match) return;
            progress.SnapshotInstalled(r.LastIncludedIndex);
            MaybeCommit();
            if (r.From == _transferTarget && MaybeSendTimeoutNow()) return; // the snapshot alone brought it up to date
            SendAppend(r.From, heartbeat: true);
            return;
        }
        if (progress.ChunkAcknowledged(r.LastIncludedIndex, r.NextOffset))
            SendSnapshotChunk(r.From, progress);
    }

    /// <summary>
    /// Before a leader compacts its log to <paramref name="compactTo"/>: a follower taking an older snapshot keeps the
    /// entries between that snapshot and this one, so that once it has installed its snapshot, appends can follow it.
    /// Only for a transfer under way (one not yet answered will start over with the newest snapshot); dropped, and the
    /// newer snapshot sent later instead, when they would weigh more than the snapshot being sent.
    /// </summary>
    private void RetainForTransfers(long compactTo)
    {
        if (_role != RaftRole.Leader) return;
        foreach (var (peer, progress) in _progress)
        {
            var sending = progress.SnapshotUnderway ? progress.Image : null;
            var from = progress.Retained?.LastIndex ?? sending?.Index;
            if (from is not { } last || last >= compactTo || progress.Match >= compactTo) continue;
            if (last < _log.SnapshotIndex)
            {
                progress.Retained = null; // what would follow it is compacted already
                continue;
            }
            var retained = progress.Retained ??= new RetainedEntries(sending!.Index, sending.Term, sending.State.Length);
            // Copies no more than could be kept (and stops before the command that would exceed it), so a long range that
            // is bound to be dropped is not copied whole.
            var room = Math.Max(0, retained.Limit - retained.Bytes);
            var count = (int)Math.Min(compactTo - last, room / RetainedEntries.EntryOverhead + 1);
            var entries = _log.Slice(last + 1, count, room);
            if (entries[^1].Index < compactTo || !retained.TryAdd(entries))
            {
                _logger.Debug("{0} keeps no compacted entries for {1}: past index {2} they outweigh its snapshot", _id, peer, last);
                progress.Retained = null;
            }
        }
    }

    // ---- the follower's side ----

    /// <summary>Figure 13, InstallSnapshot receiver, at the current term.</summary>
    private void HandleInstallSnapshot(InstallSnapshot s)
    {
        RecogniseLeader(s.From);
        if (s.LastIncludedIndex <= _commitIndex)
        {
            // Everything it covers is already committed here: an older or duplicate snapshot changes nothing.
            Send(s.From, new InstallSnapshotResult(_settings.ClusterId, _id, _currentTerm, s.LastIncludedIndex, s.Offset + s.Data.Length, Installed: true));
            return;
        }
        if (s.Offset == 0) _snapshotInstallStartedAt = StartTiming(RaftInstruments.SnapshotInstallDuration);
        var next = _assembly.Offer(s.From, s.Term, s.LastIncludedIndex, s.LastIncludedTerm, s.Offset, s.Data, s.Done, out var complete);
        if (complete is null)
        {
            Send(s.From, new InstallSnapshotResult(_settings.ClusterId, _id, _currentTerm, s.LastIncludedIndex, next, Installed: false));
            return;
        }

        // Keep the log suffix after the snapshot if it matches, else discard the log; the state machine gets the
        // snapshot before any later entry.
        _log.InstallSnapshot(s.LastIncludedIndex, s.LastIncludedTerm);
        // What the journal held past the snapshot may be gone from the log now; never count it as durable here.
        _durability.Rewritten(_log.LastIndex);
        // The configuration comes with the snapshot; from a leader that sent none, the newest one this peer had below it.
        var configuration = s.Configuration ?? (_configs.Latest.Index <= s.LastIncludedIndex ? _configs.Latest : _configs.Committed);
        if (_configs.Restored(s.LastIncludedIndex, configuration, logKeptSuffix: _log.LastIndex > s.LastIncludedIndex)) OnConfigurationChanged();
        _snapshotState = complete;
        _commitIndex = Math.Max(_commitIndex, s.LastIncludedIndex);
        _lastApplied = s.LastIncludedIndex;
        ObserveLog();
        _applyTo?.Tell(new SnapshotInstalled(_id, s.LastIncludedIndex, s.LastIncludedTerm, complete), Self);
        _logger.Info("{0} installed a snapshot from {1} up to index {2} (term {3})", _id, s.From, s.LastIncludedIndex, s.LastIncludedTerm);

        // The journal still holds the old log: nothing may be acknowledged or appended until the snapshot that
        // replaces it is durable. A snapshot from the state machine may still be being saved under the current
        // sequence number; a store answers (and keys) snapshots by sequence number alone, so that save's success would
        // pass for this one's, and whichever landed last would win. A journal write of the unchanged term and vote
        // gives this snapshot a sequence number of its own first.
        Carry(Step.Hold(new HardStateChanged(_currentTerm, _votedFor)), () => SaveInstalledSnapshot(s, complete));
    }

    /// <summary>Saves the snapshot just installed from the leader and answers it once that save, and no other, succeeded.</summary>
    private void SaveInstalledSnapshot(InstallSnapshot s, byte[] complete)
    {
        var awaited = LastSequenceNr;
        SaveSnapshot(CurrentSnapshot());
        BecomeStacked(() =>
        {
            Command<SaveSnapshotSuccess>(saved =>
            {
                OnSnapshotSaved(saved);
                if (saved.Metadata.SequenceNr != awaited) return; // an earlier local snapshot's answer
                _durability.CoveredBySnapshot(s.LastIncludedIndex); // the snapshot stands for its entries
                UnbecomeStacked();
                RecordSince(RaftInstruments.SnapshotInstallDuration, _snapshotInstallStartedAt);
                // The leader was heard just before the save: the follower's timer runs from now (Figure 2, Followers).
                ResetElectionTimer();
                Stash.UnstashAll();
                Send(s.From, new InstallSnapshotResult(_settings.ClusterId, _id, _currentTerm, s.LastIncludedIndex, complete.Length, Installed: true));
            });
            Command<SaveSnapshotFailure>(failed =>
            {
                if (failed.Metadata.SequenceNr != awaited) return;
                _logger.Error(failed.Cause, "{0} could not save the snapshot installed from {1} ({2}); stopping so it recovers from what is durable", _id, s.From, failed.Cause.Message);
                Context.Stop(Self);
            });
            // A timeout that fires during the save is stale whatever the stash holds: Akka's timers check that a message is
            // current only when it is first received, so once stashed it would come back as a plain ElectionTimeout,
            // behind heartbeats that reset the timer. The timer restarts when the save completes.
            Command<ElectionTimeout>(_ => { });
            // Likewise the end of the vote lease: stashed, it would end a lease that the leader's stashed messages renew.
            // Ended now, it is renewed by them as they come out of the stash.
            Command<VoteLeaseEnded>(_ => { _heardLeaderRecently = false; });
            CommandAny(_ => Stash.Stash());
        });
    }
}
