using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.Router.Grpc;

/// <summary>Owns the router's gRPC surface: KimiGenerate, what its health service reports and server reflection (ProcessDefaults maps the health service).</summary>
public static class GrpcApi
{
    public static void AddServices(IServiceCollection services)
    {
        // API keys guard KimiGenerate only; health and reflection stay open for probes and tools.
        services.AddGrpc().AddServiceOptions<KimiGenerateService>(options => options.Interceptors.Add<ApiKeyInterceptor>());
        services.AddGrpcReflection();
        services.AddSingleton<InFlightRequests>();
        services.AddGrpcHealthChecks(health =>
        {
            health.Services.Map("", _ => true);
            health.Services.Map(KimiGenerate.Descriptor.FullName, _ => true);
        }).AddCheck<ModelKnownHealthCheck>("model");
    }

    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<KimiGenerateService>();
        app.MapGrpcReflectionService();
    }
}
