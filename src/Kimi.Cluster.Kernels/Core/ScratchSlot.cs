namespace Kimi.Cluster.Kernels.Core;

/// <summary>The per-thread scratch buffers; each slot has one user at a time on its thread.</summary>
internal enum ScratchSlot
{
    /// <summary>Decoded weight tile of the row kernel (any thread).</summary>
    Tile,

    /// <summary>Decoded rows transposed for the panel kernel (any thread).</summary>
    Panel,

    /// <summary>The panel kernel's sums for a matrix's last, partial panel (any thread).</summary>
    PanelSums,

    /// <summary>Dequantized int4 scales of the rows being decoded (any thread).</summary>
    Scales,

    /// <summary>A matvec's inputs scaled per nibble and their lanes' offsets (any thread; see Avx2Kernels.MatVecInt4).</summary>
    Int4Inputs,

    /// <summary>Up-projection results of one expert row tile (any thread).</summary>
    ExpertUp,

    /// <summary>Inputs in the kernel's layout for one matmul (dispatching thread).</summary>
    Input,

    /// <summary>The same for the second matrix of a pair whose layout differs from the first's (dispatching thread).</summary>
    SecondInput,

    /// <summary>Gathered expert inputs in the gate/up layout (dispatching thread).</summary>
    ExpertInput,

    /// <summary>silu(gate)·up per assignment (dispatching thread).</summary>
    ExpertHidden,

    /// <summary>The same in the down projection's layout (dispatching thread).</summary>
    ExpertHiddenLayout,

    /// <summary>Down projection per assignment (dispatching thread).</summary>
    ExpertOutput,

    /// <summary>Query latents of an absorbed decode whose caller keeps none (dispatching thread).</summary>
    QueryLatents,

    /// <summary>Output latents of the same (dispatching thread).</summary>
    OutputLatents,
}
