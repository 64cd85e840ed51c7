using Akka.Configuration;

namespace AkkaRaft.Host;

/// <summary>Reads a node setting that is a switch: on, true or yes; off, false or no.</summary>
internal static class OnOffKey
{
    /// <summary>The switch at <paramref name="key"/> in <paramref name="config"/>; on when the key is absent.</summary>
    /// <exception cref="HostError">The value is neither on nor off.</exception>
    public static bool Read(Config config, string key)
    {
        var value = config.HasPath(key) ? config.GetString(key) : "on";
        return value switch
        {
            "on" or "true" or "yes" => true,
            "off" or "false" or "no" => false,
            _ => throw new HostError($"{key} must be on or off, is '{value}'"),
        };
    }
}
