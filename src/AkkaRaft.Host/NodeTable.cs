using System.Globalization;
using AkkaRaft.Actors;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AkkaRaft.Host;

/// <summary>One node in the live table: its state when it answered, and how far it trails the leader.</summary>
/// <param name="Node">The node asked.</param>
/// <param name="State">Its answer; null when it did not answer (unreachable).</param>
/// <param name="Lag">Entries its applied index trails the leader's commit index; null when no leader answered.</param>
/// <param name="Heard">The leader's last contact with it: "12 ms", "never"; null on the leader or with no leader.</param>
internal sealed record NodeRow(NodeAddress Node, RaftState? State, long? Lag, string? Heard)
{
    /// <summary>
    /// The rows of <paramref name="states"/>, each measured against the leader of the highest term that answered:
    /// lag from its commit index, last contact from its followers.
    /// </summary>
    public static IReadOnlyList<NodeRow> Of(IEnumerable<(NodeAddress Node, RaftState? State)> states)
    {
        var list = states.ToList();
        var term = list.Max(s => s.State?.Term);
        var leader = list.Select(s => s.State).FirstOrDefault(s => s is { IsLeader: true } && s.Term == term);
        return list.Select(s =>
        {
            long? lag = s.State is { } state && leader is not null ? Math.Max(0, leader.CommitIndex - state.LastApplied) : null;
            var contact = leader?.Followers?.FirstOrDefault(f => f.PeerId == s.Node.Id);
            var heard = contact is null ? null : contact.SinceHeard is { } since ? $"{since.TotalMilliseconds:0} ms" : "never";
            return new NodeRow(s.Node, s.State, lag, heard);
        }).ToList();
    }

    public string Address => $"{Node.Host}:{Node.Port}";

    /// <summary>"leader", "follower", ..., "unreachable", or "not a member" for a node its latest configuration does not list.</summary>
    public string Role => State is null ? "unreachable" : !State.IsMember ? "not a member" : RoleName(State.Role);

    public static string RoleName(RaftRole role) => role == RaftRole.PreCandidate ? "pre-candidate" : role.ToString().ToLowerInvariant();
}

/// <summary>The table of nodes that `status --watch` keeps up to date and the demo prints at each step.</summary>
internal static class NodeTable
{
    private static readonly string[] Columns = ["node", "address", "role", "term", "leader", "commit", "applied", "lag", "heard"];

    /// <summary>One line of text per row, under a header: for a file, a pipe or a log.</summary>
    public static IEnumerable<string> Lines(IReadOnlyList<NodeRow> rows)
    {
        yield return Line(Columns);
        foreach (var row in rows) yield return Line(Cells(row)).TrimEnd();
    }

    private static string Line(string[] c) =>
        $"{c[0],-6} {c[1],-22} {c[2],-13} {c[3],6} {c[4],-7} {c[5],8} {c[6],8} {c[7],6}  {c[8]}";

    private static string[] Cells(NodeRow row)
    {
        string Number(long? n) => n?.ToString(CultureInfo.InvariantCulture) ?? "";
        var s = row.State;
        return s is null
            ? [row.Node.Id, row.Address, row.Role, "", "", "", "", "", row.Heard ?? ""]
            : [row.Node.Id, row.Address, row.Role, Number(s.Term), s.LeaderId ?? "-", Number(s.CommitIndex), Number(s.LastApplied),
                row.Lag is null ? "-" : Number(row.Lag), s.IsLeader ? "(leader)" : row.Heard ?? "-"];
    }

    /// <summary>The same table for a terminal: the leader in green, unreachable nodes and lagging ones in red or yellow.</summary>
    public static IRenderable Render(IReadOnlyList<NodeRow> rows, string? title = null)
    {
        var table = new Table().Border(TableBorder.Rounded);
        if (title is not null) table.Title(title);
        foreach (var (name, i) in Columns.Select((c, i) => (c, i)))
        {
            var column = new TableColumn(name);
            if (i is >= 3 and <= 7 && i != 4) column.RightAligned();
            table.AddColumn(column);
        }
        foreach (var row in rows)
        {
            var cells = Cells(row).Select(Markup.Escape).ToArray();
            var colour = row.State is null ? "red" : row.State.IsLeader ? "green" : !row.State.IsMember ? "grey" : null;
            if (colour is not null) cells[2] = $"[{colour}]{cells[2]}[/]";
            if (row.Lag is > 0) cells[7] = $"[yellow]{cells[7]}[/]";
            table.AddRow(cells);
        }
        return table;
    }

    /// <summary>Writes the table to stdout: drawn for a terminal, as lines (after <paramref name="indent"/>) otherwise.</summary>
    public static void Print(IReadOnlyList<NodeRow> rows, string indent = "")
    {
        if (IsTerminal())
        {
            AnsiConsole.Write(new Padder(Render(rows)).Padding(indent.Length, 0, 0, 0));
            return;
        }
        foreach (var line in Lines(rows)) Console.WriteLine(indent + line);
    }

    /// <summary>True when stdout is a terminal that can redraw in place.</summary>
    public static bool IsTerminal() => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Ansi;
}
