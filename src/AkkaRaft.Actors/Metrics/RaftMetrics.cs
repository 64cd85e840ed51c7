namespace AkkaRaft.Actors;

/// <summary>
/// The names under which AkkaRaft publishes its metrics through <c>System.Diagnostics.Metrics</c>. Subscribe to the
/// meter <see cref="MeterName"/> (with OpenTelemetry, <c>AddMeter(RaftMetrics.MeterName)</c>; or
/// <c>dotnet-counters monitor --counters AkkaRaft</c>). Every measurement carries the tags <see cref="GroupTag"/> and
/// <see cref="NodeTag"/>; docs/operations.md lists every instrument with its unit and tags.
/// </summary>
public static class RaftMetrics
{
    /// <summary>The name of the meter every AkkaRaft instrument belongs to.</summary>
    public const string MeterName = "AkkaRaft";

    /// <summary>Tag naming the Raft group (its cluster id, <c>akka.raft.cluster-id</c>) a measurement is about.</summary>
    public const string GroupTag = "raft.group";

    /// <summary>Tag naming the peer (its peer id) that recorded a measurement.</summary>
    public const string NodeTag = "raft.node";

    /// <summary>Tag naming the follower a leader's measurement is about (follower lag, heartbeat failures).</summary>
    public const string FollowerTag = "raft.follower";
}
