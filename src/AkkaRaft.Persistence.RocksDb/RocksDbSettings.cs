using Akka.Configuration;
using RocksDbSharp;

namespace AkkaRaft.Persistence.RocksDb;

/// <summary>The keys of one plugin section (journal or snapshot store), validated.</summary>
internal sealed record RocksDbSettings(string Path, Recovery WalRecoveryMode, int WriterThreads)
{
    /// <summary>Defaults for <see cref="RocksDbPersistence.Check"/>: the values in reference.conf.</summary>
    public static RocksDbSettings ForPath(string path) =>
        new(System.IO.Path.GetFullPath(path), Recovery.TolerateCorruptedTailRecords, 4);

    /// <summary>A plugin's section as Akka hands it to the plugin, over that section's defaults in reference.conf.</summary>
    public static RocksDbSettings ForPlugin(Config section, string sectionPath) =>
        Create(section.WithFallback(RocksDbPersistence.DefaultConfiguration.GetConfig(sectionPath)), sectionPath);

    public static RocksDbSettings Create(Config section, string sectionPath)
    {
        var path = section.GetString("path", "");
        if (string.IsNullOrWhiteSpace(path))
            throw new ConfigurationException($"{sectionPath}.path is empty: give the database directory");
        var mode = section.GetString("wal-recovery-mode", "tolerate-corrupted-tail-records") switch
        {
            "tolerate-corrupted-tail-records" => Recovery.TolerateCorruptedTailRecords,
            "absolute-consistency" => Recovery.AbsoluteConsistency,
            "point-in-time" => Recovery.PointInTime,
            var other => throw new ConfigurationException(
                $"{sectionPath}.wal-recovery-mode = '{other}' is not one of tolerate-corrupted-tail-records, absolute-consistency, point-in-time"),
        };
        var threads = section.GetInt("writer-threads", 4);
        if (threads < 1)
            throw new ConfigurationException($"{sectionPath}.writer-threads = {threads} must be at least 1");
        return new RocksDbSettings(System.IO.Path.GetFullPath(path), mode, threads);
    }
}
