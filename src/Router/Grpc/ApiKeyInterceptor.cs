using Grpc.Core;
using Grpc.Core.Interceptors;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Hosting;

namespace Kimi.Cluster.Router.Grpc;

/// <summary>
/// The HTTP API's keys on the gRPC API: when keys are configured, every KimiGenerate call needs
/// "authorization: Bearer &lt;key&gt;" metadata, else UNAUTHENTICATED with the HTTP API's message.
/// Registered on KimiGenerate only: the health service and reflection stay open.
/// </summary>
public sealed class ApiKeyInterceptor(RouterLimits limits) : Interceptor
{
    private readonly ApiKeys _keys = new(limits.ApiKeys);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Check(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Check(context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Check(context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Check(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Check(ServerCallContext context)
    {
        if (_keys.Required && _keys.Refusal(context.RequestHeaders.GetValue("authorization")) is { } refusal)
            throw new RpcException(new Status(StatusCode.Unauthenticated, refusal));
    }
}
