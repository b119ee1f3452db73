using System.Buffers.Binary;
using System.Text.Json;

namespace Kimi.Cluster.Bench.Tests.Support;

/// <summary>
/// A safetensors file's header, read here from the bytes and the format's description (not with
/// the generator's code), so that the tests check the files against the format itself.
/// </summary>
internal sealed class SafetensorsListing
{
    /// <summary>One header entry; offsets are relative to the data section.</summary>
    public sealed record Entry(string Name, string DType, long[] Shape, long Begin, long End);

    public required string Path { get; init; }
    public required long HeaderLength { get; init; }
    public required long FileLength { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>In the order the header lists them.</summary>
    public required IReadOnlyList<Entry> Tensors { get; init; }

    public long DataStart => 8 + HeaderLength;

    public static SafetensorsListing Read(string path)
    {
        using var file = File.OpenRead(path);
        var lengthBytes = new byte[8];
        file.ReadExactly(lengthBytes);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        var header = new byte[headerLength];
        file.ReadExactly(header);
        using var json = JsonDocument.Parse(header);
        var tensors = new List<Entry>();
        var metadata = new Dictionary<string, string>();
        foreach (var property in json.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                foreach (var item in property.Value.EnumerateObject())
                    metadata[item.Name] = item.Value.GetString() ?? "";
                continue;
            }
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            tensors.Add(new Entry(property.Name, property.Value.GetProperty("dtype").GetString() ?? "",
                property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(), offsets[0], offsets[1]));
        }
        return new SafetensorsListing { Path = path, HeaderLength = headerLength, FileLength = file.Length, Metadata = metadata, Tensors = tensors };
    }

    public Entry this[string name] => Tensors.Single(t => t.Name == name);

    public byte[] ReadData(Entry entry)
    {
        using var file = File.OpenRead(Path);
        file.Position = DataStart + entry.Begin;
        var data = new byte[entry.End - entry.Begin];
        file.ReadExactly(data);
        return data;
    }

    public static int ElementBytes(string dtype) => dtype switch
    {
        "BF16" => 2,
        "F32" or "I32" => 4,
        "F8_E4M3" => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };
}
