using System.Globalization;
using Grpc.Core;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.ExpertWorker.Hosting;
using Outcome = Kimi.Cluster.Abstractions.RebalanceOutcome;

namespace Kimi.Cluster.ExpertWorker.DataPlane;

/// <summary>
/// The expert tier's admin calls over gRPC: the rebalancer's, answered by asking the rebalancer
/// grain (wherever it runs), and Leave, which stops this worker the graceful way.
/// </summary>
public sealed class ExpertAdminService(IGrainFactory grains, DataPlaneEndpoint endpoint, IHostApplicationLifetime lifetime) : ExpertAdmin.ExpertAdminBase
{
    public override async Task<LeaveReply> Leave(LeaveRequest request, ServerCallContext context)
    {
        var reply = new LeaveReply { Endpoint = await endpoint.Address };
        lifetime.StopApplication(); // the graceful stop hands off, then leaves (ExpertWorkerShutdown)
        return reply;
    }

    private IExpertRebalancerGrain Rebalancer => grains.GetGrain<IExpertRebalancerGrain>(0);

    public override async Task<RebalanceReport> Rebalance(RebalanceRequest request, ServerCallContext context) =>
        ToReport(await Rebalancer.RebalanceNow().AsTask().WaitAsync(context.CancellationToken));

    public override async Task<RebalancerState> GetRebalancerState(RebalancerStateRequest request, ServerCallContext context)
    {
        var status = await Rebalancer.Status().AsTask().WaitAsync(context.CancellationToken);
        var state = new RebalancerState
        {
            Enabled = status.Enabled, TableVersion = status.TableVersion, Imbalance = status.Imbalance,
            RoutedPairs = status.RoutedPairs, ReportingAttentionWorkers = status.Reporters,
        };
        state.Recent.AddRange(status.Recent.Select(ToReport));
        return state;
    }

    private static RebalanceReport ToReport(Outcome outcome)
    {
        var report = new RebalanceReport
        {
            StartedAt = outcome.StartedAt.ToString("O", CultureInfo.InvariantCulture), Trigger = outcome.Trigger, Changed = outcome.Changed,
            TableVersion = outcome.TableVersion, ImbalanceBefore = outcome.ImbalanceBefore, ImbalanceAfter = outcome.ImbalanceAfter,
            BytesLoaded = outcome.BytesLoaded, Seconds = outcome.Took.TotalSeconds, Error = outcome.Error ?? "",
        };
        foreach (var change in outcome.Changes.Where(c => !c.Added.IsEmpty || !c.Removed.IsEmpty))
        {
            var proto = new Contracts.V1.ShardChange { Shard = (uint)change.Shard };
            proto.Added.AddRange(change.Added.Select(e => (uint)e));
            proto.Removed.AddRange(change.Removed.Select(e => (uint)e));
            report.Changes.Add(proto);
        }
        return report;
    }
}
