global using Xunit;
global using Akka.Actor;
