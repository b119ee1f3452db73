namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// Which int4 scale group a vector chunk of columns starts in, advanced chunk by chunk with counters:
/// a division per chunk would cost as much as the chunk's arithmetic. Valid groups either divide
/// the chunk or are whole multiples of it (see WeightShape.Int4Group).
/// </summary>
internal struct GroupCursor
{
    private readonly int _chunksPerGroup;
    private readonly int _groupsPerChunk;
    private int _left;

    /// <summary>A cursor at column <paramref name="startColumn"/> (a multiple of <paramref name="chunkColumns"/>), counting groups from 0 there.</summary>
    public GroupCursor(int group, int chunkColumns, int startColumn)
    {
        _chunksPerGroup = Math.Max(1, group / chunkColumns);
        _groupsPerChunk = Math.Max(1, chunkColumns / group);
        _left = _chunksPerGroup - startColumn % group / chunkColumns;
        Group = 0;
    }

    /// <summary>Scale groups one chunk's columns span: chunk / group, or 1 for groups of whole chunks.</summary>
    public readonly int GroupsPerChunk => _groupsPerChunk;

    /// <summary>Group of the current chunk's first column, relative to the start's group.</summary>
    public int Group { get; private set; }

    /// <summary>Moves to the next chunk.</summary>
    public void Advance()
    {
        if (--_left == 0)
        {
            Group += _groupsPerChunk;
            _left = _chunksPerGroup;
        }
    }
}
