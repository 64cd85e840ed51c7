namespace AkkaRaft.Actors.Serialization;

/// <summary>The writing half of <see cref="WireReader"/>'s format, beyond what <see cref="BinaryWriter"/> writes itself.</summary>
internal static class WireWriter
{
    /// <summary>A 7-bit length, then the bytes.</summary>
    public static void WriteBytes(this BinaryWriter w, byte[] bytes)
    {
        w.Write7BitEncodedInt(bytes.Length);
        w.Write(bytes);
    }

    /// <summary>A presence flag, then the string when present.</summary>
    public static void WriteOptional(this BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null) w.Write(value);
    }
}
