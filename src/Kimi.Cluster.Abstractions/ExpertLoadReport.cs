using System.Collections.Immutable;

namespace Kimi.Cluster.Abstractions;

/// <summary>
/// What one attention worker's gates routed over its recent window: counts only, never activations.
/// </summary>
/// <param name="Reporter">The attention worker (its address), so that each worker's latest window replaces its previous one.</param>
/// <param name="TableVersion">The placement table version the worker routes by now: how a rebalance knows the old one has drained.</param>
/// <param name="Layers">The MoE layers counted, in order.</param>
/// <param name="ExpertCount">Routed experts per layer.</param>
/// <param name="RoutedPairs">Tokens routed per (layer, expert): [Layers.Length × ExpertCount], layer-major.</param>
/// <param name="Window">How much recent time the counts cover.</param>
[GenerateSerializer, Immutable]
public sealed record ExpertLoadReport(
    [property: Id(0)] string Reporter,
    [property: Id(1)] long TableVersion,
    [property: Id(2)] ImmutableArray<int> Layers,
    [property: Id(3)] int ExpertCount,
    [property: Id(4)] ImmutableArray<long> RoutedPairs,
    [property: Id(5)] TimeSpan Window);
