using AkkaRaft.Actors.Core;
using AkkaRaft.Actors.Persistence;
using AkkaRaft.Actors.Protocol;

namespace AkkaRaft.Actors.Serialization;

/// <summary>The encodings of log entries, of the messages and events that carry them, and of the other shared parts.</summary>
/// <remarks>
/// Version 3 of an entry list (<c>AE.3</c>, <c>E-EA.3</c>, <c>S-RS.3</c>) writes each entry's kind, one byte between
/// its term and its command, and a configuration entry's command must decode as a valid configuration
/// (<see cref="MembershipCodec"/>). Version 3 of a snapshot also ends with the configuration in effect at its last
/// included index: a presence byte, then that configuration's index and the configuration. Version 3 is written only
/// when that data is present (a configuration entry in the list, a configuration in the snapshot), so a log of
/// commands alone keeps the bytes of version 2, which older nodes and journals read.
/// </remarks>
internal sealed partial class RaftSerializer
{
    private const string V3 = ".3";
    internal const string AppendEntriesManifestV3 = AppendEntriesManifest + V3;
    internal const string EntriesAppendedManifestV3 = EntriesAppendedManifest + V3;
    internal const string RaftSnapshotManifestV3 = RaftSnapshotManifest + V3;
    internal const string InstallSnapshotManifestV3 = InstallSnapshotManifest + V3;

    // An entry of version 3 takes at least four bytes: index, term, kind and the command's length.
    private const int MinBytesPerKindedEntry = 4;

    /// <summary>True when <paramref name="entries"/> need version 3: one of them is not a command.</summary>
    internal static bool HasConfiguration(IReadOnlyList<LogEntry> entries)
    {
        for (var i = 0; i < entries.Count; i++)
            if (entries[i].Kind != LogEntryKind.Command) return true;
        return false;
    }

    /// <summary>True when <paramref name="snapshot"/> needs version 3: it carries a configuration, or its suffix a configuration entry.</summary>
    internal static bool NeedsVersion3(RaftSnapshot snapshot) => snapshot.Configuration is not null || HasConfiguration(snapshot.Suffix);

    private static FollowerContact[] ReadFollowers(WireReader r)
    {
        var count = r.Count();
        var followers = new FollowerContact[count];
        for (var i = 0; i < count; i++)
        {
            var (peer, ticks) = (r.String(), r.Long());
            followers[i] = new FollowerContact(peer, ticks < 0 ? null : TimeSpan.FromTicks(ticks));
        }
        return followers;
    }

    private static AppendEntries ReadAppendEntries(WireReader r, bool withKinds)
    {
        var (clusterId, from, term) = (r.String(), r.String(), r.Long());
        var (prevIndex, prevTerm, commit, round, answer) = (r.Long(), r.Long(), r.Long(), r.Long(), r.Bool());
        return new AppendEntries(clusterId, from, term, prevIndex, prevTerm, ReadEntries(r, withKinds), commit) { Round = round, AnswerSuccess = answer };
    }

    private static RaftSnapshot ReadSnapshot(WireReader r, bool version3)
    {
        var snapshot = new RaftSnapshot(r.Long(), r.OptionalString(), r.Long(), r.Long(), r.Bytes(), ReadEntries(r, version3));
        if (!version3 || !r.Bool()) return snapshot;
        return snapshot with { Configuration = ReadConfiguration(r, snapshot.LastIncludedIndex) };
    }

    /// <summary>Version 3 of an InstallSnapshot chunk: version 2's fields, then the configuration at its last included index.</summary>
    private static InstallSnapshot ReadInstallSnapshotWithConfiguration(WireReader r)
    {
        var chunk = new InstallSnapshot(r.String(), r.String(), r.Long(), r.Long(), r.Long(), r.Long(), r.Bytes(), r.Bool());
        return chunk with { Configuration = ReadConfiguration(r, chunk.LastIncludedIndex) };
    }

    private static ConfigurationEntry ReadConfiguration(WireReader r, long lastIncludedIndex)
    {
        var index = r.Long();
        // The configuration in effect at the last included index was created at or before it.
        if (index < 0 || index > lastIncludedIndex)
            throw new InvalidDataException($"configuration index {index} outside 0..{lastIncludedIndex} (the last included index)");
        return new ConfigurationEntry(index, MembershipCodec.Read(r));
    }

    private static void WriteConfiguration(BinaryWriter w, ConfigurationEntry configuration)
    {
        w.Write7BitEncodedInt64(configuration.Index);
        MembershipCodec.Write(w, configuration.Membership);
    }

    private static void WriteSnapshot(BinaryWriter w, RaftSnapshot e)
    {
        var version3 = NeedsVersion3(e);
        w.Write7BitEncodedInt64(e.Term);
        w.WriteOptional(e.VotedFor);
        w.Write7BitEncodedInt64(e.LastIncludedIndex);
        w.Write7BitEncodedInt64(e.LastIncludedTerm);
        w.WriteBytes(e.State);
        WriteEntries(w, e.Suffix, version3);
        if (!version3) return;
        w.Write(e.Configuration is not null);
        if (e.Configuration is { } configuration) WriteConfiguration(w, configuration);
    }

    private static IReadOnlyList<LogEntry> ReadEntries(WireReader r, bool withKinds)
    {
        if (!withKinds) return r.Entries();
        var count = r.Count(MinBytesPerKindedEntry);
        var entries = new LogEntry[count];
        for (var i = 0; i < count; i++)
        {
            var (index, term, kind, command) = (r.Long(), r.Long(), r.Enum<LogEntryKind>(), r.Bytes());
            if (kind == LogEntryKind.Configuration) CheckConfiguration(index, command);
            entries[i] = new LogEntry(index, term, command) { Kind = kind };
        }
        return entries;
    }

    /// <summary>
    /// A configuration entry from the wire or the journal must hold a valid configuration, all of its bytes; the one
    /// decoded is remembered for this command, so the peer that checks and appends the entry does not decode it again.
    /// </summary>
    private static void CheckConfiguration(long index, byte[] command)
    {
        try
        {
            MembershipCodec.DecodeAll(command);
        }
        catch (Exception e) when (WireReader.IsDecodeError(e))
        {
            throw new InvalidDataException($"configuration entry {index}: {e.Message}", e);
        }
    }

    private static void Header(BinaryWriter w, IRaftMessage m)
    {
        w.Write(m.ClusterId);
        w.Write(m.From);
        w.Write7BitEncodedInt64(m.Term);
    }

    /// <summary>The entries; with <paramref name="withKinds"/> (version 3) each one's kind too.</summary>
    private static void WriteEntries(BinaryWriter w, IReadOnlyList<LogEntry> entries, bool withKinds)
    {
        w.Write7BitEncodedInt(entries.Count);
        foreach (var e in entries)
        {
            w.Write7BitEncodedInt64(e.Index);
            w.Write7BitEncodedInt64(e.Term);
            if (withKinds) w.Write((byte)e.Kind);
            w.WriteBytes(e.Command);
        }
    }
}
