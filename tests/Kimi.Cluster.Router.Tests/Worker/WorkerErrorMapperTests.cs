using Grpc.Core;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Tests.Worker;

public sealed class WorkerErrorMapperTests
{
    [Fact]
    public void Map_Returns400NamingTheHttpParam_WhenTheWorkerSaysInvalidArgument()
    {
        var trailers = new Metadata { { WorkerErrorMapper.InvalidFieldTrailer, "prompt_token_ids" } };
        var error = new RpcException(new Status(StatusCode.InvalidArgument, "prompt_token_ids: empty"), trailers);

        var mapped = Assert.IsType<ApiException>(WorkerErrorMapper.Map(error, CancellationToken.None));

        Assert.Equal(400, mapped.StatusCode);
        Assert.Equal("prompt", mapped.Param);
        Assert.Equal("empty", mapped.Message);
    }

    [Fact]
    public void Map_Returns500NamingTheRequestIdAndNothingNative_WhenAGenerationFailed()
    {
        const string Detail = "generation failed for request cmpl-abc-0: the attention worker could not compute a step; the attention worker logged the cause under this request id";
        var error = new RpcException(new Status(StatusCode.Internal, Detail));

        var mapped = Assert.IsType<ApiException>(WorkerErrorMapper.Map(error, CancellationToken.None));

        Assert.Equal(500, mapped.StatusCode);
        Assert.Equal(Detail, mapped.Message);
        Assert.Equal("server_error", mapped.Type);
    }

    [Fact]
    public void Map_Returns503_WhenTheWorkerIsUnavailable()
    {
        var error = new RpcException(new Status(StatusCode.Unavailable, "connection refused"));

        var mapped = Assert.IsType<ApiException>(WorkerErrorMapper.Map(error, CancellationToken.None));

        Assert.Equal(503, mapped.StatusCode);
    }

    [Fact]
    public void Map_Returns504NotAnUnavailableWorker_WhenTheDeadlinePassed()
    {
        // A 503 would mark the worker down for every other request; only this one is late.
        var error = new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline"));

        var mapped = Assert.IsType<ApiException>(WorkerErrorMapper.Map(error, CancellationToken.None));

        Assert.Equal(504, mapped.StatusCode);
    }

    [Fact]
    public void Map_Returns429ToRetry_WhenTheWorkerQueueIsFull()
    {
        var error = new RpcException(new Status(StatusCode.ResourceExhausted, "the queue holds 1024 requests"));

        var mapped = Assert.IsType<ApiException>(WorkerErrorMapper.Map(error, CancellationToken.None));

        Assert.Equal(429, mapped.StatusCode);
        Assert.Equal("queue_full", mapped.Code);
        Assert.Contains("1024", mapped.Message);
    }

    [Fact]
    public void Map_StaysACancellation_WhenOurOwnClientCancelledTheCall()
    {
        var error = new RpcException(new Status(StatusCode.Cancelled, "cancelled"));

        Assert.IsType<OperationCanceledException>(WorkerErrorMapper.Map(error, new CancellationToken(canceled: true)));
    }
}
