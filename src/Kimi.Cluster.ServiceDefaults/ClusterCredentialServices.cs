using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kimi.Cluster.ServiceDefaults;

/// <summary>How a worker host takes its cluster credential: registered for its interceptor and clients, and a warning at start when there is none.</summary>
public static partial class ClusterCredentialServices
{
    public static IServiceCollection AddClusterCredential(this IServiceCollection services, ClusterCredential? credential, ClusterTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(new ClusterCredentialOptions(credential, tls));
        if (credential is null)
            services.AddHostedService<MissingCredentialWarning>();
        return services;
    }

    private sealed partial class MissingCredentialWarning(ILogger<ClusterCredentialOptions> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            LogNoCredential(logger, ClusterCredential.EnvironmentVariable, ClusterCredential.FileVariable);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Warning, Message = "No cluster credential ({Variable} or {FileVariable}): any caller that reaches this worker's ports is served")]
        private static partial void LogNoCredential(ILogger logger, string variable, string fileVariable);
    }
}
