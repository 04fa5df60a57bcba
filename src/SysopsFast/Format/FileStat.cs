namespace SysopsFast.Format;

/// <summary>The stat of the object on its host, as far as it is known (zeros for command outputs).</summary>
public readonly record struct FileStat(uint Mode, uint Uid, uint Gid, long Size, long MtimeUnixSeconds)
{
    public static FileStat None => default;
}
