using System.Collections.Immutable;

namespace AkkaRaft.Actors.Core;

/// <summary>
/// One member of a configuration: a stable id, which is its identity, and the address it is reached at today (an actor
/// path, kept as text so the rules need no actor type).
/// </summary>
internal sealed record Member(string Id, string Address);

/// <summary>
/// A configuration of the group (Raft thesis §4): the voters, whose majority elects leaders and commits entries, and
/// the learners, which receive the log but never vote and never count toward a majority (thesis §4.2.1, non-voting
/// members). Immutable and always valid: at least one voter, every id non-empty and listed once.
/// </summary>
/// <remarks>
/// Voters and learners are kept sorted by id (ordinal), so two replicas that built the same configuration in another
/// order list it alike, and "member order" (a tie-break, for example) is the same everywhere.
/// </remarks>
internal sealed class Membership : IEquatable<Membership>
{
    private readonly Dictionary<string, Member> _voters;
    private readonly Dictionary<string, Member> _learners;

    private Membership(ImmutableArray<Member> voters, ImmutableArray<Member> learners)
    {
        Voters = voters;
        Learners = learners;
        _voters = voters.ToDictionary(m => m.Id, StringComparer.Ordinal);
        _learners = learners.ToDictionary(m => m.Id, StringComparer.Ordinal);
    }

    /// <summary>
    /// No members at all: the configuration of a peer that waits to be added to a running group. It elects no one and
    /// is replaced by the first configuration the peer receives.
    /// </summary>
    public static Membership None { get; } = new(ImmutableArray<Member>.Empty, ImmutableArray<Member>.Empty);

    /// <summary>The voters, by id.</summary>
    public ImmutableArray<Member> Voters { get; }

    /// <summary>The learners (non-voting members), by id.</summary>
    public ImmutableArray<Member> Learners { get; }

    /// <summary>The smallest number of voters that forms a majority of this configuration.</summary>
    public int Majority => QuorumMath.Majority(Voters.Length);

    /// <summary>
    /// The problem with a configuration of <paramref name="voters"/> and <paramref name="learners"/>, in one line, or
    /// null when it is valid.
    /// </summary>
    public static string? Validate(IEnumerable<Member> voters, IEnumerable<Member>? learners = null) =>
        Validated(voters, learners).Problem;

    /// <summary>The configuration, or the problem with it in one line.</summary>
    public static (Membership? Membership, string? Problem) TryCreate(IEnumerable<Member> voters, IEnumerable<Member>? learners = null)
    {
        var (v, l, problem) = Validated(voters, learners);
        return problem is null ? (new Membership(v, l), null) : (null, problem);
    }

    /// <summary>The configuration.</summary>
    /// <exception cref="ArgumentException">It is not valid; the message says why in one line.</exception>
    public static Membership Create(IEnumerable<Member> voters, IEnumerable<Member>? learners = null)
    {
        var (membership, problem) = TryCreate(voters, learners);
        return membership ?? throw new ArgumentException(problem);
    }

    /// <summary>True when <paramref name="id"/> is a voter.</summary>
    public bool IsVoter(string id) => _voters.ContainsKey(id);

    /// <summary>True when <paramref name="id"/> is a learner.</summary>
    public bool IsLearner(string id) => _learners.ContainsKey(id);

    /// <summary>True when <paramref name="id"/> is a voter or a learner.</summary>
    public bool Contains(string id) => IsVoter(id) || IsLearner(id);

    /// <summary>The address of member <paramref name="id"/>, or null when it is not a member.</summary>
    public string? AddressOf(string id) =>
        _voters.TryGetValue(id, out var v) ? v.Address : _learners.TryGetValue(id, out var l) ? l.Address : null;

    /// <summary>Every member's id: the voters, then the learners.</summary>
    public IReadOnlyList<string> AllIds => Voters.Concat(Learners).Select(m => m.Id).ToArray();

    /// <summary>
    /// Every member but <paramref name="selfId"/>, voters then learners: the peers a leader replicates to (a learner
    /// receives the log like a voter, thesis §4.2.1).
    /// </summary>
    public IReadOnlyList<string> Others(string selfId) =>
        Voters.Concat(Learners).Select(m => m.Id).Where(id => id != selfId).ToArray();

    /// <summary>Every voter but <paramref name="selfId"/>: the peers a candidate asks for votes and a leader may hand leadership to.</summary>
    public IReadOnlyList<string> OtherVoters(string selfId) => Voters.Select(m => m.Id).Where(id => id != selfId).ToArray();

    /// <summary>This configuration with <paramref name="learner"/> added as a learner, or the problem with that.</summary>
    internal (Membership? Membership, string? Problem) WithLearner(Member learner) => TryCreate(Voters, Learners.Add(learner));

    /// <summary>This configuration with learner <paramref name="id"/> made a voter (it must be a learner).</summary>
    internal Membership WithPromoted(string id)
    {
        var learner = _learners[id];
        return new Membership(Sorted(Voters.Add(learner)), Learners.Remove(learner));
    }

    /// <summary>This configuration without member <paramref name="id"/> (a voter must not be the last one).</summary>
    internal Membership Without(string id) =>
        Create(Voters.Where(m => m.Id != id), Learners.Where(m => m.Id != id));

    public bool Equals(Membership? other) =>
        other is not null && Voters.SequenceEqual(other.Voters) && Learners.SequenceEqual(other.Learners);

    public override bool Equals(object? obj) => Equals(obj as Membership);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var m in Voters) hash.Add(m);
        hash.Add(Voters.Length); // a voter and a learner of the same id differ
        foreach (var m in Learners) hash.Add(m);
        return hash.ToHashCode();
    }

    public static bool operator ==(Membership? a, Membership? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(Membership? a, Membership? b) => !(a == b);

    /// <summary>For log lines: <c>voters [n1, n2, n3], learners [n4]</c>.</summary>
    public override string ToString() =>
        $"voters [{string.Join(", ", Voters.Select(m => m.Id))}], learners [{string.Join(", ", Learners.Select(m => m.Id))}]";

    private static (ImmutableArray<Member> Voters, ImmutableArray<Member> Learners, string? Problem) Validated(IEnumerable<Member> voters, IEnumerable<Member>? learners)
    {
        ArgumentNullException.ThrowIfNull(voters);
        var v = Sorted(voters);
        var l = Sorted(learners ?? []);
        if (v.Length == 0) return (v, l, "a configuration needs at least one voter");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (member, voter) in v.Select(m => (m, true)).Concat(l.Select(m => (m, false))))
        {
            if (member is null) return (v, l, "a member is null");
            if (string.IsNullOrWhiteSpace(member.Id)) return (v, l, "a member has an empty id");
            if (string.IsNullOrWhiteSpace(member.Address)) return (v, l, $"member '{member.Id}' has an empty address");
            if (seen.Add(member.Id)) continue;
            var isVoterToo = v.Any(m => m.Id == member.Id);
            return (v, l, !voter && isVoterToo
                ? $"'{member.Id}' is both a voter and a learner"
                : $"'{member.Id}' is listed twice as a {(voter ? "voter" : "learner")}");
        }
        return (v, l, null);
    }

    // Null members sort first, so validation names them before anything else.
    private static ImmutableArray<Member> Sorted(IEnumerable<Member> members) =>
        members.OrderBy(m => m?.Id, StringComparer.Ordinal).ToImmutableArray();
}
