using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace AkkaRaft.Tests.Host;

/// <summary>
/// A loopback address for each node and iptables rules that cut the links between them, for Host nodes running as
/// real processes on this machine.
/// </summary>
/// <remarks>
/// <para>Node i listens on 127.X.Y.(11+i), X and Y drawn for this run, so parallel runs never share an address; the
/// test's clients stay on 127.0.0.1, outside every partition. Linux picks 127.0.0.1 as the source of every connection
/// to 127/8 and Akka.Remote does not bind before connecting, so each node runs in a cgroup v2 of its own,
/// <c>&lt;cgroup2 mount&gt;/&lt;run tag&gt;/&lt;node&gt;</c>, entered by a shell that then <c>exec</c>s the node, and a
/// <c>nat POSTROUTING -m cgroup --path &lt;run tag&gt;/&lt;node&gt; -j SNAT</c> rule gives its connections its own
/// source address. A probe connection from inside each cgroup checks that at creation.</para>
/// <para>"Packets from A no longer reach B" is two <c>filter INPUT</c> DROP rules: <c>-s A -d B</c> for connections A
/// opened, <c>-s A -m conntrack --ctrepldst B</c> for connections B opened (their packets are un-NATed to 127.0.0.1
/// before INPUT, but the reply tuple still names B). Every rule carries the run tag as its comment; a set of cuts goes
/// in, and comes out, in one <c>iptables-restore --noflush</c> transaction. <see cref="Dispose"/> kills what is still
/// in the run's cgroups, deletes every rule with the run's tag and removes the cgroups; a backstop does the same when
/// the test process exits or is told to stop.</para>
/// </remarks>
internal sealed class LoopbackNetwork : HostCluster.IPlacement, IDisposable
{
    private static readonly ConcurrentDictionary<string, LoopbackNetwork> Live = new();
    private static readonly List<PosixSignalRegistration> Signals = new();
    private static int _backstopRegistered;

    private readonly Dictionary<string, string> _addresses;
    private int _disposed;

    private LoopbackNetwork(string tag, string cgroupMount, Dictionary<string, string> addresses)
    {
        Tag = tag;
        CgroupMount = cgroupMount;
        _addresses = addresses;
    }

    /// <summary>The comment on every rule of this run, and the name of its cgroup.</summary>
    public string Tag { get; }

    /// <summary>Where cgroup v2 is mounted, read from /proc/mounts.</summary>
    public string CgroupMount { get; }

    /// <summary>The directory holding one cgroup per node of this run.</summary>
    public string CgroupDirectory => Path.Combine(CgroupMount, Tag);

    /// <summary>
    /// Why the partition tests cannot run here (they need Linux, root, iptables, bash and cgroup v2), or null when they
    /// can.
    /// </summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux()) return "network partitions between processes need Linux (iptables and cgroup v2)";
        if (!Environment.IsPrivilegedProcess) return "network partitions need root: they add iptables rules and create cgroups";
        foreach (var tool in new[] { "iptables", "iptables-save", "iptables-restore" })
            if (Iptables.Find(tool) is null) return $"{tool} is not installed (apt-get install -y iptables)";
        if (Iptables.Find("bash") is null) return "bash is not installed: the source-address probe uses its /dev/tcp";
        if (FindCgroup2() is null) return "cgroup v2 is not mounted (no cgroup2 line in /proc/mounts): nodes cannot get their own source address";
        return null;
    }

    /// <summary>
    /// Gives each of <paramref name="ids"/> an address and a cgroup with its SNAT rule, and checks from inside each
    /// cgroup that connections leave from the node's address; fails with the reason when they do not.
    /// </summary>
    public static LoopbackNetwork Create(IReadOnlyList<string> ids)
    {
        RegisterBackstop();
        var mount = FindCgroup2() ?? throw new InvalidOperationException("cgroup v2 is not mounted");
        var random = Random.Shared;
        var tag = $"akkaraft-{Environment.ProcessId}-{random.Next(0x10000):x4}";
        var (x, y) = (random.Next(100, 250), random.Next(0, 256));
        var addresses = ids.Select((id, i) => (id, address: $"127.{x}.{y}.{11 + i}")).ToDictionary(a => a.id, a => a.address, StringComparer.Ordinal);
        var network = new LoopbackNetwork(tag, mount, addresses);
        Live[tag] = network;
        try
        {
            foreach (var id in ids) Directory.CreateDirectory(network.CgroupOf(id));
            Iptables.Apply(ids.Select(id => ("nat", $"-I POSTROUTING -m cgroup --path {tag}/{id} -m comment --comment {tag} -j SNAT --to-source {addresses[id]}")));
            foreach (var id in ids) network.ProbeSourceAddress(id);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public string Host(string id) => _addresses[id];

    /// <inheritdoc />
    /// <remarks>The shell writes its own pid into the node's cgroup, then becomes the node with <c>exec</c>.</remarks>
    public IReadOnlyList<string> Launcher(string id) => ["/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", Path.Combine(CgroupOf(id), "cgroup.procs")];

    /// <summary>Stops packets from each link's first node reaching its second, all in one transaction.</summary>
    public void Cut(IEnumerable<(string From, string To)> links) =>
        Iptables.Apply(links.SelectMany(link => new[]
        {
            ("filter", $"-I INPUT -s {Host(link.From)} -d {Host(link.To)} -m comment --comment {Tag} -j DROP"),
            ("filter", $"-I INPUT -s {Host(link.From)} -m conntrack --ctrepldst {Host(link.To)} -m comment --comment {Tag} -j DROP"),
        }));

    /// <summary>Cuts both directions between every node of <paramref name="side"/> and every node of <paramref name="other"/>.</summary>
    public void Partition(IReadOnlyCollection<string> side, IReadOnlyCollection<string> other) =>
        Cut(side.SelectMany(a => other.SelectMany(b => new[] { (a, b), (b, a) })));

    /// <summary>Removes every cut of this run, in one transaction; the nodes' source addresses stay.</summary>
    public void Heal() => Iptables.DeleteTagged(Tag, "filter");

    /// <summary>The rules of this run that iptables holds now (nat and filter).</summary>
    public IReadOnlyList<(string Table, string Rule)> Rules() => Iptables.Tagged(Tag, "filter", "nat");

    /// <summary>
    /// Whether a TCP connection from <paramref name="from"/>'s address reaches <paramref name="to"/>'s address and
    /// <paramref name="port"/> within <paramref name="timeout"/> (a dropped SYN is never answered).
    /// </summary>
    public async Task<bool> Reaches(string from, string to, int port, TimeSpan timeout)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(Host(from)), 0));
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(IPAddress.Parse(Host(to)), port, cancel.Token);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Kills whatever still runs in this run's cgroups, deletes every rule tagged with <see cref="Tag"/> and removes the
    /// cgroups; throws if any of it is left behind.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Live.TryRemove(Tag, out _);
        var problems = new List<string>();
        void Try(string what, Action action)
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                problems.Add($"{what}: {e.Message}");
            }
        }
        var cgroups = Directory.Exists(CgroupDirectory) ? Directory.GetDirectories(CgroupDirectory) : [];
        Try("killing what runs in the cgroups", () => { foreach (var cgroup in cgroups) Empty(cgroup); });
        Try("deleting the rules", () => Iptables.DeleteTagged(Tag, "filter", "nat"));
        Try("removing the cgroups", () =>
        {
            foreach (var cgroup in cgroups) RemoveDirectory(cgroup);
            if (Directory.Exists(CgroupDirectory)) RemoveDirectory(CgroupDirectory);
        });
        Try("checking the rules are gone", () =>
        {
            var left = Rules();
            if (left.Count > 0) throw new InvalidOperationException($"{left.Count} rules remain: {string.Join("; ", left.Select(r => r.Rule))}");
        });
        if (problems.Count > 0) throw new InvalidOperationException($"cleaning up network {Tag}: {string.Join("; ", problems)}");
    }

    private string CgroupOf(string id) => Path.Combine(CgroupDirectory, id);

    /// <summary>Connects from inside <paramref name="id"/>'s cgroup to a listener here and checks the source address it arrives from.</summary>
    private void ProbeSourceAddress(string id)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = listener.AcceptTcpClientAsync();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var procs = Path.Combine(CgroupOf(id), "cgroup.procs");
        Iptables.Run("bash", ["-c", "echo $$ > \"$0\" && exec 3<>/dev/tcp/127.0.0.1/$1", procs, port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (!accepted.Wait(TimeSpan.FromSeconds(10)))
            throw new InvalidOperationException($"the probe connection from cgroup {Tag}/{id} never arrived");
        using var client = accepted.Result;
        var source = ((IPEndPoint)client.Client.RemoteEndPoint!).Address.ToString();
        if (source != Host(id))
            throw new InvalidOperationException(
                $"a connection from cgroup {Tag}/{id} (under {CgroupMount}) arrives from {source}, not {Host(id)}: the rule " +
                $"'nat POSTROUTING -m cgroup --path {Tag}/{id} -j SNAT' does not match its processes, so cuts between nodes would cut nothing");
    }

    /// <summary>Kills every process in <paramref name="cgroup"/> and waits until it has none.</summary>
    private static void Empty(string cgroup)
    {
        var procs = Path.Combine(cgroup, "cgroup.procs");
        string[] Members() => File.ReadAllText(procs).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var clock = Stopwatch.StartNew();
        while (Members() is { Length: > 0 } pids)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10)) throw new InvalidOperationException($"{cgroup} still holds {string.Join(", ", pids)}");
            var kill = Path.Combine(cgroup, "cgroup.kill");
            if (File.Exists(kill)) File.WriteAllText(kill, "1");
            else
                foreach (var pid in pids)
                    try
                    {
                        using var process = Process.GetProcessById(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
                        process.Kill();
                    }
                    catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                    {
                        // Gone meanwhile.
                    }
            // The killed leave as they exit. Without cgroup.kill a process forked meanwhile survives: the next pass kills it.
            SpinWait.SpinUntil(() => Members().Length == 0, TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>
    /// Removes an empty cgroup. A process that just died may have left cgroup.procs yet still count as a member until
    /// the kernel finishes its exit, and rmdir fails (EBUSY) until then: wait, up to 5 s, for cgroup.events to say the
    /// cgroup is no longer populated and rmdir succeeds. Past that, one last rmdir fails and says why.
    /// </summary>
    private static void RemoveDirectory(string path)
    {
        if (SpinWait.SpinUntil(() => !IsPopulated(path) && TryDelete(path), TimeSpan.FromSeconds(5))) return;
        Directory.Delete(path);
    }

    private static bool TryDelete(string path)
    {
        try
        {
            Directory.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false; // still busy
        }
    }

    /// <summary>Whether <paramref name="cgroup"/> or a cgroup below it holds a process, as its cgroup.events says; false when unreadable.</summary>
    private static bool IsPopulated(string cgroup)
    {
        try
        {
            return File.ReadLines(Path.Combine(cgroup, "cgroup.events")).Contains("populated 1");
        }
        catch (IOException)
        {
            return false; // gone, or not a cgroup: rmdir will say which
        }
    }

    private static string? FindCgroup2()
    {
        try
        {
            return File.ReadAllLines("/proc/mounts").Select(l => l.Split(' ')).FirstOrDefault(f => f.Length > 2 && f[2] == "cgroup2")?[1];
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// A backstop, registered once: each test disposes its network, but when the test process exits or is told to stop
    /// (SIGTERM, SIGINT, SIGQUIT, SIGHUP) while a network is live, it is cleaned up then. A SIGKILL leaves no chance.
    /// </summary>
    private static void RegisterBackstop()
    {
        if (Interlocked.Exchange(ref _backstopRegistered, 1) == 1) return;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DisposeAll();
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGHUP })
        {
            try
            {
                Signals.Add(PosixSignalRegistration.Create(signal, _ => DisposeAll()));
            }
            catch (PlatformNotSupportedException)
            {
                // Not on this platform: ProcessExit remains.
            }
        }
    }

    private static void DisposeAll()
    {
        foreach (var network in Live.Values)
        {
            try
            {
                network.Dispose();
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine(e.Message);
            }
        }
    }
}
