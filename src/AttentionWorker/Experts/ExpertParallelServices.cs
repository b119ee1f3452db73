using Kimi.Cluster.Abstractions;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Exchange;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>Registers the data plane of a worker whose routed experts live in expert workers.</summary>
public static class ExpertParallelServices
{
    /// <summary>Placement comes from <paramref name="source"/> (the cluster), starting at <paramref name="initialTable"/>.</summary>
    /// <param name="failurePatience">How long a shard left with no reachable replica waits for placement before its layer fails (default <see cref="PlacementView.RefreshPatience"/>).</param>
    public static void Add(IServiceCollection services, IPlacementSource source, PlacementTable initialTable, TimeSpan callTimeout,
        ActivationDType wireDtype = ActivationDType.Float32, TimeSpan? failurePatience = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(initialTable);
        services.AddSingleton(source);
        services.AddSingleton(provider => new PlacementView(
            source, initialTable, callTimeout, provider.GetRequiredService<ILogger<PlacementView>>(), failurePatience));
        services.AddSingleton<DataPlaneConnections>();
        services.AddSingleton(new ExpertTransportOptions(callTimeout, WireDtype: wireDtype));
        services.AddSingleton<GrpcExpertTransport>();
        services.AddHostedService<PlacementRefresh>();
        services.AddSingleton(new RoutedTokenWindow(RoutedWindow));
        if (source is IExpertLoadSink sink)
        {
            services.AddSingleton(sink);
            services.AddHostedService<ExpertLoadReporter>();
        }
    }

    /// <summary>How much recent routing the rebalancer is told about.</summary>
    public static readonly TimeSpan RoutedWindow = TimeSpan.FromMinutes(1);

    /// <summary>How the engine gets its routed experts: remote when the transport is registered, else null (in process).</summary>
    public static Func<ModelConfig, IRoutedExperts>? RoutedExperts(IServiceProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        if (provider.GetService<GrpcExpertTransport>() is not { } transport)
            return null;
        var placement = provider.GetRequiredService<PlacementView>();
        return config =>
        {
            int expertCount = placement.Current.Table.ExpertCount;
            if (expertCount != config.NRoutedExperts)
                throw new InvalidOperationException(
                    $"the expert cluster places {expertCount} routed experts but the model has {config.NRoutedExperts}; " +
                    "start the expert workers with the same --model as the attention worker");
            // A newer table is taken up where a step's routed experts begin.
            placement.StepBoundaryLayer = Enumerable.Range(0, config.NumHiddenLayers).Cast<int?>().FirstOrDefault(l => config.IsMoeLayer(l!.Value));
            return new RemoteRoutedExperts(transport);
        };
    }
}
