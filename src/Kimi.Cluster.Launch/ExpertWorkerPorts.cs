namespace Kimi.Cluster.Launch;

/// <summary>The Orleans ports of one expert worker on loopback (its data plane picks its own).</summary>
public sealed record ExpertWorkerPorts(int Index, int SiloPort, int GatewayPort);
