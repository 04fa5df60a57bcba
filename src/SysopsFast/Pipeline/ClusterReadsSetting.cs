namespace SysopsFast.Pipeline;

/// <summary>
/// Whether a Redis Cluster's replicas serve a query's reads: yes, unless
/// <c>SYSOPS_FAST_CLUSTER_READS=primaries</c> (an operator who knows a replica lags: one whose link to
/// its primary broke still serves what it had, and the cluster still calls it healthy).
/// </summary>
internal static class ClusterReadsSetting
{
    public const string Variable = "SYSOPS_FAST_CLUSTER_READS";

    /// <summary>The setting of this process's environment; a value other than the two is one error.</summary>
    public static bool ReadReplicas() => Environment.GetEnvironmentVariable(Variable) switch
    {
        null or "" or "replicas" => true,
        "primaries" => false,
        var text => throw Errors.BadSetting(Variable, text, "'replicas' (the default) or 'primaries'"),
    };
}
