using Grpc.Core;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Tests.Worker;

public sealed class WorkerErrorMapperTests
{
    [Fact]
    public void Invalid_argument_is_a_400_naming_the_http_param()
    {
        var trailers = new Metadata { { WorkerErrorMapper.InvalidFieldTrailer, "prompt_token_ids" } };
        var error = new RpcException(new Status(StatusCode.InvalidArgument, "prompt_token_ids: empty"), trailers);

        var mapped = Assert.IsType<ApiException>(WorkerErrorMapper.Map(error, CancellationToken.None));

        Assert.Equal(400, mapped.StatusCode);
        Assert.Equal("prompt", mapped.Param);
        Assert.Equal("empty", mapped.Message);
    }

    [Fact]
    public void A_failed_generation_is_a_500_that_names_the_request_id_and_nothing_native()
    {
        const string Detail = "generation failed for request cmpl-abc-0: the attention worker could not compute a step; the attention worker logged the cause under this request id";
        var error = new RpcException(new Status(StatusCode.Internal, Detail));

        var mapped = Assert.IsType<ApiException>(WorkerErrorMapper.Map(error, CancellationToken.None));

        Assert.Equal(500, mapped.StatusCode);
        Assert.Equal(Detail, mapped.Message);
        Assert.Equal("server_error", mapped.Type);
    }

    [Fact]
    public void Unavailable_worker_is_a_503()
    {
        var error = new RpcException(new Status(StatusCode.Unavailable, "connection refused"));

        var mapped = Assert.IsType<ApiException>(WorkerErrorMapper.Map(error, CancellationToken.None));

        Assert.Equal(503, mapped.StatusCode);
    }

    [Fact]
    public void A_passed_deadline_is_a_504_not_an_unavailable_worker()
    {
        // A 503 would mark the worker down for every other request; only this one is late.
        var error = new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline"));

        var mapped = Assert.IsType<ApiException>(WorkerErrorMapper.Map(error, CancellationToken.None));

        Assert.Equal(504, mapped.StatusCode);
    }

    [Fact]
    public void A_full_worker_queue_is_a_429_to_retry()
    {
        var error = new RpcException(new Status(StatusCode.ResourceExhausted, "the queue holds 1024 requests"));

        var mapped = Assert.IsType<ApiException>(WorkerErrorMapper.Map(error, CancellationToken.None));

        Assert.Equal(429, mapped.StatusCode);
        Assert.Equal("queue_full", mapped.Code);
        Assert.Contains("1024", mapped.Message);
    }

    [Fact]
    public void A_call_cancelled_by_our_own_client_stays_a_cancellation()
    {
        var error = new RpcException(new Status(StatusCode.Cancelled, "cancelled"));

        Assert.IsType<OperationCanceledException>(WorkerErrorMapper.Map(error, new CancellationToken(canceled: true)));
    }
}
