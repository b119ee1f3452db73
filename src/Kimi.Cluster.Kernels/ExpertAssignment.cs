namespace Kimi.Cluster.Kernels;

/// <summary>One routing decision: token <see cref="Token"/> goes to expert <see cref="Expert"/> with gate weight <see cref="Weight"/>.</summary>
/// <param name="Token">Row of the input batch.</param>
/// <param name="Expert">Index into the expert list of the call.</param>
/// <param name="Weight">Multiplier of this expert's output for this token.</param>
public readonly record struct ExpertAssignment(int Token, int Expert, float Weight);
