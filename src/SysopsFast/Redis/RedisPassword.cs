namespace SysopsFast.Redis;

/// <summary>
/// The Redis password, never from the command line: <c>SYSOPS_FAST_REDIS_PASSWORD</c>, else the first
/// line of the file named by <c>SYSOPS_FAST_REDIS_PASSWORD_FILE</c>, which must be private to its
/// owner (as ssh requires of a key). Read at each connect, so a rotated password is picked up.
/// </summary>
internal static class RedisPassword
{
    public const string Variable = "SYSOPS_FAST_REDIS_PASSWORD";

    public const string FileVariable = "SYSOPS_FAST_REDIS_PASSWORD_FILE";

    private const UnixFileMode OthersMayTouch =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The password, or null when none is given.</summary>
    public static string? Read()
    {
        var direct = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(direct))
        {
            return direct;
        }
        var file = Environment.GetEnvironmentVariable(FileVariable);
        if (string.IsNullOrEmpty(file))
        {
            return null;
        }
        if (Directory.Exists(file))
        {
            throw Errors.DirectoryNotFile($"the password file named by {FileVariable}", file, ErrorRemedy.Credentials, configuration: true);
        }
        try
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(file) & OthersMayTouch) != 0)
            {
                throw Errors.PasswordFileTooOpen(file);
            }
            using var reader = new StreamReader(file);
            return reader.ReadLine() ?? "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Errors.PasswordFileUnreadable(file, e);
        }
    }
}
