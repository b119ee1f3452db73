using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>
/// One memory-mapped .safetensors file: the header is parsed at open, tensor bytes are
/// only touched when a tensor is read, so a process pages in just the tensors it owns.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private const long MaxHeaderBytes = 100L << 20;
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _dataStart;

    public string Path { get; }
    public IReadOnlyDictionary<string, TensorEntry> Tensors { get; }

    public SafetensorsFile(string path)
    {
        Path = path;
        long length = new FileInfo(path).Length;
        if (length < 8)
            throw new CheckpointException($"{path}: too short to be a safetensors file ({length} bytes)");
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(_base, 8));
        if (headerLength > MaxHeaderBytes || 8 + headerLength > length)
        {
            Dispose();
            throw new CheckpointException($"{path}: header length {headerLength} does not fit in a {length}-byte file");
        }
        _dataStart = 8 + headerLength;
        Tensors = ParseHeader(new ReadOnlySpan<byte>(_base + 8, (int)headerLength), length - _dataStart);
    }

    /// <summary>The raw little-endian bytes of a tensor, straight from the mapping (chunked: tensors may exceed 2 GiB).</summary>
    public void CopyBytes(TensorEntry entry, long offset, Span<byte> destination)
    {
        if (offset < 0 || offset + destination.Length > entry.ByteLength)
            throw new ArgumentOutOfRangeException(nameof(offset));
        new ReadOnlySpan<byte>(_base + _dataStart + entry.Begin + offset, destination.Length).CopyTo(destination);
    }

    private Dictionary<string, TensorEntry> ParseHeader(ReadOnlySpan<byte> header, long dataLength)
    {
        var tensors = new Dictionary<string, TensorEntry>();
        try
        {
            using var document = JsonDocument.Parse(header.ToArray());
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                    continue;
                var value = property.Value;
                long[] offsets = value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var entry = new TensorEntry(property.Name, value.GetProperty("dtype").GetString() ?? "",
                    value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(), offsets[0], offsets[1]);
                if (entry.Begin < 0 || entry.End < entry.Begin || entry.End > dataLength)
                    throw new CheckpointException($"{Path}: tensor '{entry.Name}' has data offsets [{entry.Begin}, {entry.End}] outside the {dataLength}-byte data section");
                tensors[entry.Name] = entry;
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new CheckpointException($"{Path}: malformed safetensors header: {e.Message}");
        }
        return tensors;
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
