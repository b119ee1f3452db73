using System.Text.Json;
using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>
/// A Hugging Face model directory: model.safetensors, or model-*.safetensors shards listed in
/// model.safetensors.index.json. Shards are opened on first use and tensors read lazily, so a
/// process touches only the tensors it asks for; it counts what it loaded. Text tensors are named
/// without the model's prefix and read per its quantization; <see cref="Unprefixed"/> reads the
/// others (K2.5's vision tower and projector) from the same files.
/// </summary>
public sealed class SafetensorsCheckpoint : IWeightSource, IDisposable
{
    private const long ChunkBytes = 1L << 30;
    private readonly Dictionary<string, string> _fileOfTensor;
    private readonly Dictionary<string, SafetensorsFile> _openFiles = [];
    private readonly Lock _gate = new();
    private readonly List<string> _loadedNames = [];
    private readonly string _prefix;
    private const string IndexFileName = "model.safetensors.index.json";
    private readonly StoredMatrixReader _matrices;
    private readonly StoredMatrixReader _denseMatrices; // never quantized, whatever the config says
    private readonly string _missing; // where a missing tensor was looked for
    private long _loadedBytes;
    private int _loadedTensors;

    public string Directory { get; }

    /// <summary>Bytes of tensor data read so far (as stored, before conversion to float32).</summary>
    public long LoadedBytes => Interlocked.Read(ref _loadedBytes);

    public int LoadedTensors => Volatile.Read(ref _loadedTensors);

    /// <summary>The full names (with any prefix) of the tensors read so far.</summary>
    public IReadOnlyList<string> LoadedTensorNames
    {
        get
        {
            lock (_gate)
                return [.. _loadedNames];
        }
    }

    public SafetensorsCheckpoint(string directory, string tensorPrefix = "", WeightQuantization? quantization = null)
    {
        Directory = directory;
        _prefix = tensorPrefix;
        _fileOfTensor = IndexTensors(directory);
        _missing = File.Exists(System.IO.Path.Combine(directory, IndexFileName))
            ? $"{IndexFileName} in {directory} lists no shard holding it"
            : $"no .safetensors file in {directory} holds it";
        _matrices = new StoredMatrixReader(quantization ?? WeightQuantization.None, TryFind, _missing);
        _matrices.Read += Count;
        _denseMatrices = new StoredMatrixReader(WeightQuantization.None, TryFind, _missing);
        _denseMatrices.Read += Count;
        Unprefixed = new UnprefixedWeights(this);
    }

    /// <summary>
    /// This checkpoint's tensors under the names they are stored by (no text prefix), every matrix
    /// read as stored (dense bf16 for K2.5's vision tower and projector, which quantization_config
    /// does not describe); loads are counted here, in <see cref="Resident"/> and <see cref="Progress"/>.
    /// </summary>
    public IWeightSource Unprefixed { get; }

    /// <summary>Whether the checkpoint stores a tensor of exactly this name (no prefix added).</summary>
    public bool ContainsStored(string fullName) => _fileOfTensor.ContainsKey(fullName);

    public ResidentWeights Resident { get; } = new();

    public int LoadThreads { get; init; } = ParallelLoad.DefaultThreads;

    /// <summary>Where each tensor read is counted as it is read (none when null).</summary>
    public LoadProgress? Progress { get; init; }

    /// <summary>The tensors and stored bytes <paramref name="selection"/> will read from this checkpoint (headers only).</summary>
    public (int Tensors, long Bytes) Planned(WeightSelection selection)
    {
        ArgumentNullException.ThrowIfNull(selection);
        int tensors = 0;
        long bytes = 0;
        foreach (var (fullName, fileName) in _fileOfTensor)
        {
            if (!fullName.StartsWith(_prefix, StringComparison.Ordinal) || !selection.Includes(fullName[_prefix.Length..]))
                continue;
            if (Open(fileName).Tensors.TryGetValue(fullName, out var entry))
                (tensors, bytes) = (tensors + 1, bytes + entry.ByteLength);
        }
        return (tensors, bytes);
    }

    /// <summary>
    /// The tensors and stored bytes of those <paramref name="fullNames"/> (names as stored, e.g. the
    /// vision tower's) this checkpoint holds (headers only), for a <see cref="LoadProgress"/> plan.
    /// </summary>
    public (int Tensors, long Bytes) PlannedStored(IEnumerable<string> fullNames)
    {
        ArgumentNullException.ThrowIfNull(fullNames);
        var entries = fullNames.Where(ContainsStored).Select(name => FindStored(name).Entry).ToArray();
        return (entries.Length, entries.Sum(e => e.ByteLength));
    }

    public WeightBuffer LoadMatrix(string module, int rows, int columns, bool isLinear = true) =>
        Held(_matrices.Load(_prefix + module, rows, columns, isLinear));

    /// <summary>The matrix of <paramref name="fullModule"/> (its name as stored) as stored, never quantized.</summary>
    internal WeightBuffer LoadDenseMatrix(string fullModule, int rows, int columns) =>
        Held(_denseMatrices.Load(fullModule, rows, columns, isLinear: false));

    private WeightBuffer Held(WeightBuffer buffer)
    {
        Resident.Add(buffer.Matrix);
        return buffer;
    }

    private (SafetensorsFile File, TensorEntry Entry)? TryFind(string fullName) =>
        _fileOfTensor.ContainsKey(fullName) ? FindStored(fullName) : null;

    private void Count(TensorEntry entry)
    {
        Interlocked.Add(ref _loadedBytes, entry.ByteLength);
        Interlocked.Increment(ref _loadedTensors);
        Progress?.Read(entry.ByteLength);
        lock (_gate)
            _loadedNames.Add(entry.Name);
    }

    public bool Contains(string name) => _fileOfTensor.ContainsKey(_prefix + name);

    public Tensor Load(string name, params long[] shape) => LoadStored(_prefix + name, shape);

    /// <summary><see cref="Load"/> for the tensor stored as <paramref name="fullName"/> (no prefix added).</summary>
    internal Tensor LoadStored(string fullName, long[] shape)
    {
        var (file, entry) = FindStored(fullName);
        if (!entry.Shape.SequenceEqual(shape))
            throw new CheckpointException(
                $"tensor '{entry.Name}' has shape {TensorEntry.FormatShape(entry.Shape)} in {System.IO.Path.GetFileName(file.Path)} but the config needs {TensorEntry.FormatShape(shape)}");
        var dtype = TorchDType(entry);
        entry.RequireWholeElements();
        using var raw = empty(shape, dtype);
        CopyInChunks(file, entry, raw);
        Count(entry);
        Resident.Add("F32", entry.ElementCount * sizeof(float));
        return raw.to(ScalarType.Float32);
    }

    private (SafetensorsFile File, TensorEntry Entry) FindStored(string fullName)
    {
        if (!_fileOfTensor.TryGetValue(fullName, out var fileName))
        {
            string hint = _fileOfTensor.ContainsKey(fullName + "_packed") || _fileOfTensor.ContainsKey(fullName.Replace(".weight", ".weight_packed"))
                ? " (the checkpoint stores it as packed INT4, which this build cannot load yet)" : "";
            throw new CheckpointException($"tensor '{fullName}' is missing from the checkpoint: {_missing}{hint}");
        }
        var file = Open(fileName);
        return file.Tensors.TryGetValue(fullName, out var entry) ? (file, entry)
            : throw new CheckpointException($"tensor '{fullName}' is listed in the index but missing from {fileName}");
    }

    private SafetensorsFile Open(string fileName)
    {
        lock (_gate)
        {
            if (!_openFiles.TryGetValue(fileName, out var file))
                _openFiles[fileName] = file = new SafetensorsFile(System.IO.Path.Combine(Directory, fileName));
            return file;
        }
    }

    private static void CopyInChunks(SafetensorsFile file, TensorEntry entry, Tensor destination)
    {
        // Tensor.bytes is a Span (int-sized): copy large tensors a slab of rows at a time.
        long rows = entry.Shape.Length == 0 ? 1 : entry.Shape[0];
        long rowBytes = rows == 0 ? 0 : entry.ByteLength / rows;
        long rowsPerChunk = Math.Max(1, ChunkBytes / Math.Max(1, rowBytes));
        if (entry.Shape.Length == 0 || rows <= rowsPerChunk)
        {
            file.CopyBytes(entry, 0, destination.bytes);
            return;
        }
        for (long row = 0; row < rows; row += rowsPerChunk)
        {
            using var slab = destination.narrow(0, row, Math.Min(rowsPerChunk, rows - row));
            file.CopyBytes(entry, row * rowBytes, slab.bytes);
        }
    }

    private static ScalarType TorchDType(TensorEntry entry) => entry.DType switch
    {
        "BF16" => ScalarType.BFloat16,
        "F16" => ScalarType.Float16,
        "F32" => ScalarType.Float32,
        "F8_E4M3" => throw new CheckpointException(
            $"tensor '{entry.Name}' is F8_E4M3 (block FP8); this build loads BF16, F16 and F32 tensors only"),
        "I32" or "U8" or "I8" => throw new CheckpointException(
            $"tensor '{entry.Name}' is {entry.DType} (packed INT4 or other quantised weights); this build loads BF16, F16 and F32 tensors only"),
        var other => throw new CheckpointException($"tensor '{entry.Name}' has unsupported dtype {other}"),
    };

    private static Dictionary<string, string> IndexTensors(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new CheckpointException($"model directory {directory} does not exist");
        string index = System.IO.Path.Combine(directory, IndexFileName);
        if (File.Exists(index))
            return ReadIndex(index);
        var files = System.IO.Directory.GetFiles(directory, "*.safetensors").Select(System.IO.Path.GetFileName).OfType<string>().Order().ToArray();
        if (files.Length == 0)
            throw new CheckpointException($"no model.safetensors or model.safetensors.index.json in {directory}");
        var map = new Dictionary<string, string>();
        foreach (var fileName in files)
        {
            using var file = new SafetensorsFile(System.IO.Path.Combine(directory, fileName));
            foreach (var name in file.Tensors.Keys)
                map[name] = fileName;
        }
        return map;
    }

    private static Dictionary<string, string> ReadIndex(string index)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(index));
            return document.RootElement.GetProperty("weight_map").EnumerateObject()
                .ToDictionary(p => p.Name, p => p.Value.GetString() ?? throw new CheckpointException($"{index}: weight_map entry '{p.Name}' is not a file name"));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CheckpointException($"{index}: malformed index: {e.Message}");
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var file in _openFiles.Values)
                file.Dispose();
            _openFiles.Clear();
        }
    }
}
