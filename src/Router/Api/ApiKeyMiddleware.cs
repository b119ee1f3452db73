using Kimi.Cluster.Router.Hosting;

namespace Kimi.Cluster.Router.Api;

/// <summary>
/// When API keys are configured, every /v1/* and /admin/* request needs "Authorization: Bearer
/// &lt;key&gt;"; otherwise 401 with OpenAI's invalid_api_key body. Health endpoints stay open.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, RouterLimits limits)
{
    private readonly ApiKeys _keys = new(limits.ApiKeys);

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = context.Request.Path;
        if (!_keys.Required || !(path.StartsWithSegments("/v1", StringComparison.Ordinal) || path.StartsWithSegments("/admin", StringComparison.Ordinal)))
            return next(context);
        if (_keys.Refusal(context.Request.Headers.Authorization.ToString()) is { } refusal)
            throw new ApiException(StatusCodes.Status401Unauthorized, refusal, "invalid_request_error", code: "invalid_api_key");
        return next(context);
    }
}
