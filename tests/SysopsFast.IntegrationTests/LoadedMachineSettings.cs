using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// In these tests a connect may take 30 s, not the product's 3 s: on a 2-core machine loaded by
/// parallel builds a handshake took longer, and push runs failed with "no answer within 3 s". Every
/// program a test starts inherits it. The tests of the short deadline itself set it back.
/// </summary>
internal static class LoadedMachineSettings
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "A test assembly's process-wide setting, before any test or child process starts.")]
    internal static void AllowSlowConnects() => Environment.SetEnvironmentVariable("SYSOPS_FAST_CONNECT_TIMEOUT", "30");
}
