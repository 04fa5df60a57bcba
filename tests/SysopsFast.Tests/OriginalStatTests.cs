using SysopsFast.Fleet;
using SysopsFast.Format;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>The stat element of original sysops-api records: what Python's str(os.stat(path)) printed.</summary>
public sealed class OriginalStatTests
{
    [Fact]
    public void Python2_stat_result_with_longs()
    {
        var stat = OriginalStat.Parse("posix.stat_result(st_mode=33188, st_ino=1234L, st_dev=64768L, st_nlink=1, st_uid=0, st_gid=0, st_size=1332L, st_atime=1369872000, st_mtime=1369870000, st_ctime=1369870000)");
        Assert.Equal(new FileStat(33188, 0, 0, 1332, 1369870000), stat);
    }

    [Fact]
    public void Float_times_and_other_owners()
    {
        var stat = OriginalStat.Parse("posix.stat_result(st_mode=33261, st_ino=9, st_dev=2049, st_nlink=1, st_uid=1000, st_gid=4294967294, st_size=7, st_atime=1369872000.5, st_mtime=1369870000.999, st_ctime=1369870000.25)");
        Assert.Equal(new FileStat(33261, 1000, 4294967294, 7, 1369870000), stat);
    }

    [Fact]
    public void Float_fields_everywhere()
    {
        var stat = OriginalStat.Parse("os.stat_result(st_mode=16877.0, st_uid=33.0, st_gid=33.0, st_size=4096.0, st_mtime=1.36987e9)");
        Assert.Equal(new FileStat(16877, 33, 33, 4096, 1369870000), stat);
    }

    [Fact]
    public void Old_tuple_form()
    {
        var stat = OriginalStat.Parse("(33188, 1234, 64768L, 1, 0, 42, 1332L, 1369872000, 1369870000, 1369870000)");
        Assert.Equal(new FileStat(33188, 0, 42, 1332, 1369870000), stat);
    }

    [Theory]
    [InlineData("No os.stat() is available.  hardware_identification is comprised of executed commands.")]
    [InlineData("No os.stat() is available")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("(1, 2, 3)")]
    [InlineData("(a, b, c, d, e, f, g, h, i, j)")]
    [InlineData("33188 0 0 1332 1369870000")]
    public void Anything_else_is_unknown(string? text)
    {
        Assert.Equal(FileStat.None, OriginalStat.Parse(text));
    }

    [Fact]
    public void Missing_or_impossible_fields_are_zero()
    {
        var stat = OriginalStat.Parse("posix.stat_result(st_mode=-5, st_uid=99999999999, st_size=12, st_mtime=nan)");
        Assert.Equal(new FileStat(0, 0, 0, 12, 0), stat);
    }

    [Fact]
    public void Field_names_are_matched_whole()
    {
        // st_size must not be taken from a longer name, nor st_mode from st_modex.
        var stat = OriginalStat.Parse("posix.stat_result(st_modex=1, st_mode=420, st_blksize=4096, st_size=3, st_mtime=5)");
        Assert.Equal(new FileStat(420, 0, 0, 3, 5), stat);
    }
}
