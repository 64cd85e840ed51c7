namespace AkkaRaft.Actors.Core;

/// <summary>Leadership transfer (Raft thesis §3.10): which voter to hand leadership to, and when to tell it to campaign.</summary>
internal static class TransferRules
{
    /// <summary>
    /// The voter a transfer goes to: <paramref name="requested"/> when it is another voter, or, with none requested,
    /// the other voter whose log matches the leader's furthest (the first in member order on a tie), which needs the
    /// least catching up. Refused, saying why, when the request names the leader itself or a stranger.
    /// </summary>
    public static (string? Target, string? Refusal) Choose(string self, IReadOnlyList<string> others, string? requested, Func<string, long> matchOf)
    {
        if (requested is not null)
        {
            if (requested == self) return (null, $"{self} is already the leader");
            for (var i = 0; i < others.Count; i++)
                if (others[i] == requested) return (requested, null);
            return (null, $"'{requested}' is not a voter of this group (voters: {self}, {string.Join(", ", others)})");
        }
        if (others.Count == 0) return (null, $"{self} is the only voter");
        var best = others[0];
        for (var i = 1; i < others.Count; i++)
            if (matchOf(others[i]) > matchOf(best)) best = others[i];
        return (best, null);
    }

    /// <summary>
    /// The target may campaign once it holds every entry of the leader's log: it then wins the votes the leader could
    /// win (§5.4.1), and no entry the leader appended is left behind.
    /// </summary>
    public static bool TargetCaughtUp(long targetMatch, long leaderLastIndex) => targetMatch >= leaderLastIndex;
}
