using Grpc.Core;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Router.Grpc;

/// <summary>
/// The HTTP API's keys on the gRPC API: when keys are configured, every KimiGenerate call needs
/// "authorization: Bearer &lt;key&gt;" metadata, else UNAUTHENTICATED with the HTTP API's message.
/// Registered on KimiGenerate only: the health service and reflection stay open.
/// </summary>
public sealed class ApiKeyInterceptor(RouterLimits limits) : CallCheckInterceptor
{
    private readonly ApiKeys _keys = new(limits.ApiKeys);

    protected override void Check(ServerCallContext context)
    {
        if (_keys.Required && _keys.Refusal(context.RequestHeaders.GetValue("authorization")) is { } refusal)
            throw new RpcException(new Status(StatusCode.Unauthenticated, refusal));
    }
}
