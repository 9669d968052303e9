import Testing

@Suite struct CLISmokeTests {
    @Test func placeholderRemovedWhenCLITestsLand() {}
}
