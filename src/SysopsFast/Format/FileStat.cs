namespace SysopsFast.Format;

/// <summary>The stat of the object on its host, as far as it is known (zeros for command outputs).</summary>
public readonly record struct FileStat(uint Mode, uint Uid, uint Gid, long Size, long MtimeUnixSeconds)
{
    /// <summary>No stat known (a command's output): every field 0.</summary>
    public static FileStat None => default;
}
