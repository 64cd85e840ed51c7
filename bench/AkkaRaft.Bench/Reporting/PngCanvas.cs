using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace AkkaRaft.Bench;

/// <summary>
/// A tiny RGB raster with lines, rectangles, dots and a 5x7 bitmap font, saved as PNG (zlib-compressed scanlines,
/// CRC-32 per chunk). The chart needs nothing more, and so runs wherever the .NET SDK does: no System.Drawing
/// (absent on Linux), no native graphics library, no fonts installed on the machine.
/// </summary>
internal sealed class PngCanvas
{
    private readonly byte[] _rgb;

    public PngCanvas(int width, int height, Rgb background)
    {
        Width = width;
        Height = height;
        _rgb = new byte[width * height * 3];
        FillRect(0, 0, width, height, background);
    }

    public int Width { get; }
    public int Height { get; }

    public void SetPixel(int x, int y, Rgb c)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) return;
        var i = (y * Width + x) * 3;
        _rgb[i] = c.R;
        _rgb[i + 1] = c.G;
        _rgb[i + 2] = c.B;
    }

    public void FillRect(int x, int y, int width, int height, Rgb c)
    {
        for (var yy = y; yy < y + height; yy++)
            for (var xx = x; xx < x + width; xx++)
                SetPixel(xx, yy, c);
    }

    /// <summary>A line <paramref name="thickness"/> pixels wide (Bresenham, a square brush at every step).</summary>
    public void Line(int x0, int y0, int x1, int y1, Rgb c, int thickness = 1)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0);
        int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
        var err = dx + dy;
        var half = (thickness - 1) / 2;
        while (true)
        {
            FillRect(x0 - half, y0 - half, thickness, thickness, c);
            if (x0 == x1 && y0 == y1) return;
            var e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }

    /// <summary>A filled disc of radius <paramref name="r"/> around (<paramref name="cx"/>, <paramref name="cy"/>).</summary>
    public void Dot(int cx, int cy, int r, Rgb c)
    {
        for (var y = -r; y <= r; y++)
            for (var x = -r; x <= r; x++)
                if (x * x + y * y <= r * r + r) SetPixel(cx + x, cy + y, c);
    }

    /// <summary>Width in pixels of <paramref name="text"/> at <paramref name="scale"/>.</summary>
    public static int TextWidth(string text, int scale) => text.Length == 0 ? 0 : (text.Length * (PixelFont.Width + 1) - 1) * scale;

    /// <summary>Text with its top-left corner at (<paramref name="x"/>, <paramref name="y"/>); letters are drawn as capitals.</summary>
    public void Text(int x, int y, string text, Rgb c, int scale = 1)
    {
        foreach (var ch in text)
        {
            var glyph = PixelFont.Glyph(ch);
            for (var row = 0; row < PixelFont.Height; row++)
                for (var col = 0; col < PixelFont.Width; col++)
                    if ((glyph[row] & (1 << (PixelFont.Width - 1 - col))) != 0)
                        FillRect(x + col * scale, y + row * scale, scale, scale, c);
            x += (PixelFont.Width + 1) * scale;
        }
    }

    /// <summary>Text turned a quarter left (reading upwards), its bottom-left corner at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public void TextUp(int x, int y, string text, Rgb c, int scale = 1)
    {
        foreach (var ch in text)
        {
            var glyph = PixelFont.Glyph(ch);
            for (var row = 0; row < PixelFont.Height; row++)
                for (var col = 0; col < PixelFont.Width; col++)
                    if ((glyph[row] & (1 << (PixelFont.Width - 1 - col))) != 0)
                        FillRect(x + row * scale, y - (col + 1) * scale, scale, scale, c);
            y -= (PixelFont.Width + 1) * scale;
        }
    }

    public void Save(string path)
    {
        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Height);
        header[8] = 8; // bits per channel
        header[9] = 2; // colour type: RGB
        WriteChunk(file, "IHDR", header);
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var y = 0; y < Height; y++)
            {
                zlib.WriteByte(0); // filter: none
                zlib.Write(_rgb, y * Width * 3, Width * 3);
            }
        }
        WriteChunk(file, "IDAT", compressed.ToArray());
        WriteChunk(file, "IEND", []);
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
        stream.Write(four);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        stream.Write(typeBytes);
        stream.Write(data);
        var crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(four, crc);
        stream.Write(four);
    }

    /// <summary>The CRC-32 PNG chunks carry (ISO 3309, reflected polynomial 0xEDB88320).</summary>
    private static class Crc32
    {
        private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
        {
            var c = (uint)n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            return c;
        }).ToArray();

        public static uint Update(uint crc, ReadOnlySpan<byte> data)
        {
            foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return crc;
        }
    }
}

/// <summary>A colour.</summary>
internal readonly record struct Rgb(byte R, byte G, byte B);

/// <summary>A 5x7 bitmap font: digits, capitals and the punctuation the chart uses; lower case is drawn as capitals.</summary>
internal static class PixelFont
{
    public const int Width = 5;
    public const int Height = 7;

    private static readonly Dictionary<char, byte[]> Glyphs = Parse(new Dictionary<char, string>
    {
        [' '] = "..... ..... ..... ..... ..... ..... .....",
        ['0'] = ".###. #...# #..## #.#.# ##..# #...# .###.",
        ['1'] = "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
        ['2'] = ".###. #...# ....# ...#. ..#.. .#... #####",
        ['3'] = "##### ...#. ..#.. ...#. ....# #...# .###.",
        ['4'] = "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
        ['5'] = "##### #.... ####. ....# ....# #...# .###.",
        ['6'] = "..##. .#... #.... ####. #...# #...# .###.",
        ['7'] = "##### ....# ...#. ..#.. .#... .#... .#...",
        ['8'] = ".###. #...# #...# .###. #...# #...# .###.",
        ['9'] = ".###. #...# #...# .#### ....# ...#. .##..",
        ['A'] = ".###. #...# #...# ##### #...# #...# #...#",
        ['B'] = "####. #...# #...# ####. #...# #...# ####.",
        ['C'] = ".###. #...# #.... #.... #.... #...# .###.",
        ['D'] = "###.. #..#. #...# #...# #...# #..#. ###..",
        ['E'] = "##### #.... #.... ####. #.... #.... #####",
        ['F'] = "##### #.... #.... ####. #.... #.... #....",
        ['G'] = ".###. #...# #.... #.### #...# #...# .####",
        ['H'] = "#...# #...# #...# ##### #...# #...# #...#",
        ['I'] = ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
        ['J'] = "..### ...#. ...#. ...#. ...#. #..#. .##..",
        ['K'] = "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
        ['L'] = "#.... #.... #.... #.... #.... #.... #####",
        ['M'] = "#...# ##.## #.#.# #.#.# #...# #...# #...#",
        ['N'] = "#...# #...# ##..# #.#.# #..## #...# #...#",
        ['O'] = ".###. #...# #...# #...# #...# #...# .###.",
        ['P'] = "####. #...# #...# ####. #.... #.... #....",
        ['Q'] = ".###. #...# #...# #...# #.#.# #..#. .##.#",
        ['R'] = "####. #...# #...# ####. #.#.. #..#. #...#",
        ['S'] = ".#### #.... #.... .###. ....# ....# ####.",
        ['T'] = "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
        ['U'] = "#...# #...# #...# #...# #...# #...# .###.",
        ['V'] = "#...# #...# #...# #...# #...# .#.#. ..#..",
        ['W'] = "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
        ['X'] = "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
        ['Y'] = "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
        ['Z'] = "##### ....# ...#. ..#.. .#... #.... #####",
        ['.'] = "..... ..... ..... ..... ..... .##.. .##..",
        [','] = "..... ..... ..... ..... .##.. ..#.. .#...",
        ['-'] = "..... ..... ..... ##### ..... ..... .....",
        ['/'] = "..... ....# ...#. ..#.. .#... #.... .....",
        ['('] = "...#. ..#.. .#... .#... .#... ..#.. ...#.",
        [')'] = ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
        [':'] = "..... .##.. .##.. ..... .##.. .##.. .....",
        ['='] = "..... ..... ##### ..... ##### ..... .....",
        ['+'] = "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
        ['%'] = "##... ##..# ...#. ..#.. .#... #..## ...##",
        ['_'] = "..... ..... ..... ..... ..... ..... #####",
        ['?'] = ".###. #...# ....# ...#. ..#.. ..... ..#..",
    });

    /// <summary>The rows of <paramref name="c"/>'s glyph, top first, the leftmost pixel in bit 4; unknown characters draw as '?'.</summary>
    public static byte[] Glyph(char c) => Glyphs.TryGetValue(char.ToUpperInvariant(c), out var g) ? g : Glyphs['?'];

    private static Dictionary<char, byte[]> Parse(Dictionary<char, string> pictures) =>
        pictures.ToDictionary(p => p.Key, p => p.Value.Split(' ').Select(row => (byte)row.Aggregate(0, (bits, px) => bits << 1 | (px == '#' ? 1 : 0))).ToArray());
}
