//! JUnit XML, for CI systems that show test results: one test case per
//! scenario and engine, a failure carrying its mismatches, the report's
//! text (every counterexample's trace and the command that replays it),
//! and a skipped check marked skipped with its reason.

use quick_junit::{NonSuccessKind, Report as JunitXml, TestCase, TestCaseStatus, TestSuite};

use crate::check::Report;
use crate::error::{Error, ErrorKind};
use crate::model::Names;

/// The test cases of one `interleave check` run, to be written as one
/// JUnit report.
#[derive(Debug)]
pub struct JunitReport {
    suite: TestSuite,
}

impl JunitReport {
    /// An empty report; `name` names its one test suite.
    pub fn new(name: &str) -> Self {
        JunitReport {
            suite: TestSuite::new(name),
        }
    }

    /// Adds a check that ran: a success when every verdict was as
    /// expected, otherwise a failure with the mismatches as its message.
    pub fn add(&mut self, report: &Report, names: &Names) {
        let text = super::human::details(report, names, super::human::Detail::Verbose);
        let status = if report.as_expected() {
            TestCaseStatus::success()
        } else {
            let mut failure = TestCaseStatus::non_success(NonSuccessKind::Failure);
            failure
                .set_message(report.mismatches.join("; "))
                .set_type("not as expected")
                .set_description(text.clone());
            failure
        };
        let mut case = TestCase::new(Self::case_name(&report.scenario, report.backend), status);
        case.set_classname(report.scenario.as_str())
            .set_time(report.exploration.stats.elapsed)
            .set_system_out(text);
        self.suite.add_test_case(case);
    }

    /// Adds a check the engine could not run.
    pub fn skip(&mut self, scenario: &str, backend: &str, why: &str) {
        let mut status = TestCaseStatus::skipped();
        status.set_message(why);
        let mut case = TestCase::new(Self::case_name(scenario, backend), status);
        case.set_classname(scenario);
        self.suite.add_test_case(case);
    }

    fn case_name(scenario: &str, backend: &str) -> String {
        format!("{scenario} [{backend}]")
    }

    /// The report as XML.
    pub fn to_xml(&self) -> Result<String, Error> {
        let mut xml = JunitXml::new("interleave");
        xml.add_test_suite(self.suite.clone());
        xml.to_string().map_err(|e| {
            Error::new(
                ErrorKind::Output,
                format!("cannot write the JUnit report: {e}"),
            )
        })
    }
}
