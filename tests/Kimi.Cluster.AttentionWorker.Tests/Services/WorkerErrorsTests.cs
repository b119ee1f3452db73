using Grpc.Core;
using Kimi.Cluster.AttentionWorker.Services;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.AttentionWorker.Tests.Services;

public sealed class WorkerErrorsTests
{
    [Fact]
    public void Refused_IsResourceExhaustedSoTheCallerMayRetry_WhenTheQueueIsFull()
    {
        var error = WorkerErrors.Refused(new Refusal(RefusalReason.QueueFull, "The queue is full."));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("The queue is full.", error.Status.Detail);
    }

    [Theory]
    [InlineData(RefusalReason.ExceedsContext, "max_tokens")]
    [InlineData(RefusalReason.ExceedsCache, "max_tokens")]
    [InlineData(RefusalReason.Invalid, "prompt_token_ids")]
    public void Refused_IsAnInvalidArgumentWithTheSchedulersMessage_WhenTheRequestCanNeverRun(RefusalReason reason, string field)
    {
        var error = WorkerErrors.Refused(new Refusal(reason, "too long"));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("too long", error.Status.Detail);
        Assert.Equal(field, error.Trailers.GetValue(WorkerErrors.InvalidFieldTrailer));
    }
}
