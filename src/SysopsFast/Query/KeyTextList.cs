using System.Collections;

namespace SysopsFast.Query;

/// <summary>
/// A keys-only listing (<see cref="FleetQuery.SearchAsync"/>): the keys stay packed in their
/// <see cref="MetadataTable"/>, about 60 bytes a key; each string is made when it is asked for.
/// </summary>
internal sealed class KeyTextList(MetadataTable table, int[] ids) : IReadOnlyList<string>
{
    public int Count => ids.Length;

    public string this[int index] => table.KeyText(ids[index]);

    public IEnumerator<string> GetEnumerator()
    {
        for (var i = 0; i < ids.Length; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
