using System.Reflection;
using System.Text.RegularExpressions;
using AkkaRaft.Actors.Core;

namespace AkkaRaft.Tests.Core;

/// <summary>
/// The Raft rules in <c>src/AkkaRaft.Actors/Core</c> are plain code: no actor, clock, journal or network type, so each
/// rule is tested input in, decision out. These tests fail the build's suite when a Core type or file reaches for Akka.
/// </summary>
public sealed partial class CoreIsPureTests
{
    [GeneratedRegex(@"\bAkka\.")]
    private static partial Regex AkkaNamespace();

    [Fact]
    public void No_file_in_Core_names_an_Akka_namespace()
    {
        var core = Path.Combine(Docs.RepoFiles.Root, "src", "AkkaRaft.Actors", "Core");
        var offenders = Directory.GetFiles(core, "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => File.ReadLines(file).Select((line, i) => (file, line, i)))
            .Where(x => AkkaNamespace().IsMatch(x.line))
            .Select(x => $"{Path.GetFileName(x.file)}:{x.i + 1}: {x.line.Trim()}")
            .ToArray();
        Assert.True(Directory.GetFiles(core, "*.cs").Length > 0, $"no source files in {core}");
        Assert.True(offenders.Length == 0, "Core names Akka:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void No_type_in_Core_uses_an_Akka_type()
    {
        // The project's global usings bring Akka.Actor into every file, so the compiled types are checked too.
        var coreTypes = typeof(RaftLog).Assembly.GetTypes().Where(t => t.Namespace == typeof(RaftLog).Namespace).ToArray();
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var offenders = new List<string>();
        foreach (var type in coreTypes)
        {
            var used = new List<Type>();
            if (type.BaseType is { } b) used.Add(b);
            used.AddRange(type.GetInterfaces());
            used.AddRange(type.GetFields(all).Select(f => f.FieldType));
            used.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                used.AddRange(method.GetParameters().Select(p => p.ParameterType));
                if (method is MethodInfo m) used.Add(m.ReturnType);
                used.AddRange(method.GetMethodBody()?.LocalVariables.Select(v => v.LocalType) ?? []);
            }
            offenders.AddRange(used.SelectMany(Flatten).Where(IsAkka).Select(t => $"{type.Name} uses {t.FullName}"));
        }
        Assert.NotEmpty(coreTypes);
        Assert.True(offenders.Count == 0, string.Join("\n", offenders.Distinct()));
    }

    private static IEnumerable<Type> Flatten(Type t)
    {
        yield return t;
        if (t.HasElementType) foreach (var e in Flatten(t.GetElementType()!)) yield return e;
        if (t.IsGenericType) foreach (var a in t.GetGenericArguments().SelectMany(Flatten)) yield return a;
    }

    private static bool IsAkka(Type t) => t.Assembly.GetName().Name is { } name && (name == "Akka" || name.StartsWith("Akka.", StringComparison.Ordinal));
}
