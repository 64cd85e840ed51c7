using System.Globalization;
using System.Text;

namespace AkkaRaft.Hosting;

/// <summary>Renders values as HOCON literals.</summary>
internal static class Hocon
{
    /// <summary>A quoted HOCON string, with quotes, backslashes and control characters escaped.</summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>A duration in whole milliseconds, e.g. <c>300ms</c>.</summary>
    public static string Duration(TimeSpan value) =>
        ((long)Math.Round(value.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms";

    /// <summary><c>on</c> or <c>off</c>.</summary>
    public static string Switch(bool value) => value ? "on" : "off";

    /// <summary>An integer.</summary>
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
