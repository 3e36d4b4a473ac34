"""Ai:: agents, teams, missions, memory, providers: the models, by area.

agents.py
    Ai::A2aTask                   A2aTask
    Ai::A2aTaskEvent              A2aTaskEvent
    Ai::Agent                     Agent
    Ai::AgentBudget               AgentBudget
    Ai::AgentCapability           AgentCapability
    Ai::AgentCard                 AgentCard
    Ai::AgentConfiguration        AgentConfiguration
    Ai::AgentExecution            AgentExecution
    Ai::AgentExecutionStep        AgentExecutionStep
    Ai::AgentInstallation         AgentInstallation
    Ai::AgentLineage              AgentLineage
    Ai::AgentReview               AgentReview
    Ai::AgentTemplate             AgentTemplate
    Ai::BudgetTransaction         BudgetTransaction
    Ai::CircuitBreaker            CircuitBreaker
    Ai::CodeReviewComment         CodeReviewComment
    Ai::ContextAccessLog          ContextAccessLog
    Ai::EvaluationResult          EvaluationResult
    Ai::ExperienceReplay          ExperienceReplay
    Ai::GoalPlan                  GoalPlan
    Ai::GovernanceReport          GovernanceReport
    Ai::PerformanceBenchmark      PerformanceBenchmark
    Ai::RoutingDecision           RoutingDecision
    Ai::ShadowExecution           ShadowExecution
    Ai::SkillProposal             SkillProposal
    Ai::SkillVersion              SkillVersion
    Ai::StigmergicSignal          StigmergicSignal
    Ai::TaskComplexityAssessment  TaskComplexityAssessment
    Ai::TaskReview                TaskReview
    Ai::TeamRestructureEvent      TeamRestructureEvent
    Ai::TeamRole                  TeamRole
    Ai::TeamTask                  TeamTask
    Ai::TelemetryEvent            TelemetryEvent
    Ai::TemplateUsageMetric       TemplateUsageMetric
    Ai::TestResult                TestResult
    Ai::TestScenario              TestScenario
    Ai::Trajectory                Trajectory
    Ai::TrajectoryChapter         TrajectoryChapter
autonomy.py
    Ai::AgentEscalation        AgentEscalation
    Ai::AgentFeedback          AgentFeedback
    Ai::AgentGoal              AgentGoal
    Ai::AgentObservation       AgentObservation
    Ai::AgentPrivilegePolicy   AgentPrivilegePolicy
    Ai::AgentProposal          AgentProposal
    Ai::AgentTrustScore        AgentTrustScore
    Ai::BehavioralFingerprint  BehavioralFingerprint
    Ai::DelegationPolicy       DelegationPolicy
    Ai::InterventionPolicy     InterventionPolicy
    Ai::KillSwitchEvent        KillSwitchEvent
code_factory.py
    Ai::CodeFactory::EvidenceManifest  CodeFactoryEvidenceManifest
    Ai::CodeFactory::HarnessGap        CodeFactoryHarnessGap
    Ai::CodeFactory::ReviewState       CodeFactoryReviewState
    Ai::CodeFactory::RiskContract      CodeFactoryRiskContract
    Ai::CodeFactoryRun                 CodeFactoryRun
    Ai::CodeFactoryTask                CodeFactoryTask
conversations.py
    Ai::Attachment        Attachment
    Ai::Conversation      Conversation
    Ai::Message           Message
    Ai::ScheduledMessage  ScheduledMessage
data_sources.py
    Ai::DataConnector         DataConnector
    Ai::DataSourceCredential  DataSourceCredential
    Ai::KnowledgeBase         KnowledgeBase
devops_templates.py
    Ai::DevopsTemplate              DevopsTemplate
    Ai::DevopsTemplateInstallation  DevopsTemplateInstallation
execution.py
    Ai::DagExecution        DagExecution
    Ai::ExecutionEvent      ExecutionEvent
    Ai::ExecutionTrace      ExecutionTrace
    Ai::ExecutionTraceSpan  ExecutionTraceSpan
knowledge.py
    Ai::CompoundLearning    CompoundLearning
    Ai::Document            Document
    Ai::KnowledgeGraphEdge  KnowledgeGraphEdge
    Ai::KnowledgeGraphNode  KnowledgeGraphNode
    Ai::SharedKnowledge     SharedKnowledge
mcp_apps.py
    Ai::AguiSession     AguiSession
    Ai::McpApp          McpApp
    Ai::McpAppInstance  McpAppInstance
memory.py
    Ai::AgentShortTermMemory  AgentShortTermMemory
    Ai::ContextEntry          ContextEntry
    Ai::MemoryEntry           MemoryEntry
    Ai::MemoryPool            MemoryPool
    Ai::PersistentContext     PersistentContext
missions.py
    Ai::Mission          Mission
    Ai::MissionApproval  MissionApproval
    Ai::MissionTemplate  MissionTemplate
    Ai::RunnerDispatch   RunnerDispatch
monitoring.py
    Ai::BudgetAlert      BudgetAlert
    Ai::CostAttribution  CostAttribution
    Ai::RoiMetric        RoiMetric
    Ai::UsageMetric      UsageMetric
other.py
    Ai::AbTest                     AbTest
    Ai::AgentConnection            AgentConnection
    Ai::AgentIdentity              AgentIdentity
    Ai::AguiEvent                  AguiEvent
    Ai::CollusionIndicator         CollusionIndicator
    Ai::CostOptimizationLog        CostOptimizationLog
    Ai::DiscoveryResult            DiscoveryResult
    Ai::DocumentChunk              DocumentChunk
    Ai::EncryptedMessage           EncryptedMessage
    Ai::HybridSearchResult         HybridSearchResult
    Ai::ImprovementRecommendation  ImprovementRecommendation
    Ai::MockResponse               MockResponse
    Ai::ModelPricing               ModelPricing
    Ai::PressureField              PressureField
    Ai::QuarantineRecord           QuarantineRecord
    Ai::RagQuery                   RagQuery
    Ai::RemediationLog             RemediationLog
    Ai::RoleProfile                RoleProfile
    Ai::Sandbox                    Sandbox
    Ai::SecurityAuditTrail         SecurityAuditTrail
    Ai::TeamTemplate               TeamTemplate
    Ai::TestRun                    TestRun
providers.py
    Ai::ModelRoutingRule     ModelRoutingRule
    Ai::Provider             Provider
    Ai::ProviderCredential   ProviderCredential
    Ai::ProviderHealthCheck  ProviderHealthCheck
    Ai::ProviderMetric       ProviderMetric
    Ai::ProviderModel        ProviderModel
ralph.py
    Ai::GoalPlanStep    GoalPlanStep
    Ai::RalphIteration  RalphIteration
    Ai::RalphLearning   RalphLearning
    Ai::RalphLoop       RalphLoop
    Ai::RalphTask       RalphTask
skills.py
    Ai::AgentSkill        AgentSkill
    Ai::SelfChallenge     SelfChallenge
    Ai::Skill             Skill
    Ai::SkillComposition  SkillComposition
    Ai::SkillConflict     SkillConflict
    Ai::SkillMutation     SkillMutation
    Ai::SkillUsageRecord  SkillUsageRecord
teams.py
    Ai::AgentTeam        AgentTeam
    Ai::AgentTeamMember  AgentTeamMember
    Ai::TeamChannel      TeamChannel
    Ai::TeamExecution    TeamExecution
    Ai::TeamMessage      TeamMessage
tools.py
    Ai::ToolCategory  ToolCategory
trust_and_safety.py
    Ai::GuardrailConfig      GuardrailConfig
    Ai::GuardrailEvaluation  GuardrailEvaluation
workflows.py
    Ai::CodeReview             CodeReview
    Ai::DeploymentRisk         DeploymentRisk
    Ai::PipelineExecution      PipelineExecution
    Ai::RecordedInteraction    RecordedInteraction
    Ai::SharedContextPool      SharedContextPool
    Ai::Workflow               Workflow
    Ai::WorkflowApprovalToken  WorkflowApprovalToken
    Ai::WorkflowCheckpoint     WorkflowCheckpoint
    Ai::WorkflowCompensation   WorkflowCompensation
    Ai::WorkflowEdge           WorkflowEdge
    Ai::WorkflowNode           WorkflowNode
    Ai::WorkflowNodeExecution  WorkflowNodeExecution
    Ai::WorkflowRun            WorkflowRun
    Ai::WorkflowRunLog         WorkflowRunLog
    Ai::WorkflowSchedule       WorkflowSchedule
    Ai::WorkflowTemplate       WorkflowTemplate
    Ai::WorkflowTrigger        WorkflowTrigger
    Ai::WorkflowVariable       WorkflowVariable
worktree.py
    Ai::FileLock         FileLock
    Ai::MergeOperation   MergeOperation
    Ai::Worktree         Worktree
    Ai::WorktreeEvent    WorktreeEvent
    Ai::WorktreeSession  WorktreeSession
"""

# Generated by tools/generate.py from the Powernode reference schema 20260314130004.
# Do not edit by hand: change the generator or its catalog and run it again.
from .agents import (
    A2aTask,
    A2aTaskEvent,
    Agent,
    AgentBudget,
    AgentCapability,
    AgentCard,
    AgentConfiguration,
    AgentExecution,
    AgentExecutionStep,
    AgentInstallation,
    AgentLineage,
    AgentReview,
    AgentTemplate,
    BudgetTransaction,
    CircuitBreaker,
    CodeReviewComment,
    ContextAccessLog,
    EvaluationResult,
    ExperienceReplay,
    GoalPlan,
    GovernanceReport,
    PerformanceBenchmark,
    RoutingDecision,
    ShadowExecution,
    SkillProposal,
    SkillVersion,
    StigmergicSignal,
    TaskComplexityAssessment,
    TaskReview,
    TeamRestructureEvent,
    TeamRole,
    TeamTask,
    TelemetryEvent,
    TemplateUsageMetric,
    TestResult,
    TestScenario,
    Trajectory,
    TrajectoryChapter,
)
from .autonomy import (
    AgentEscalation,
    AgentFeedback,
    AgentGoal,
    AgentObservation,
    AgentPrivilegePolicy,
    AgentProposal,
    AgentTrustScore,
    BehavioralFingerprint,
    DelegationPolicy,
    InterventionPolicy,
    KillSwitchEvent,
)
from .code_factory import (
    CodeFactoryEvidenceManifest,
    CodeFactoryHarnessGap,
    CodeFactoryReviewState,
    CodeFactoryRiskContract,
    CodeFactoryRun,
    CodeFactoryTask,
)
from .conversations import Attachment, Conversation, Message, ScheduledMessage
from .data_sources import DataConnector, DataSourceCredential, KnowledgeBase
from .devops_templates import DevopsTemplate, DevopsTemplateInstallation
from .execution import DagExecution, ExecutionEvent, ExecutionTrace, ExecutionTraceSpan
from .knowledge import (
    CompoundLearning,
    Document,
    KnowledgeGraphEdge,
    KnowledgeGraphNode,
    SharedKnowledge,
)
from .mcp_apps import AguiSession, McpApp, McpAppInstance
from .memory import AgentShortTermMemory, ContextEntry, MemoryEntry, MemoryPool, PersistentContext
from .missions import Mission, MissionApproval, MissionTemplate, RunnerDispatch
from .monitoring import BudgetAlert, CostAttribution, RoiMetric, UsageMetric
from .other import (
    AbTest,
    AgentConnection,
    AgentIdentity,
    AguiEvent,
    CollusionIndicator,
    CostOptimizationLog,
    DiscoveryResult,
    DocumentChunk,
    EncryptedMessage,
    HybridSearchResult,
    ImprovementRecommendation,
    MockResponse,
    ModelPricing,
    PressureField,
    QuarantineRecord,
    RagQuery,
    RemediationLog,
    RoleProfile,
    Sandbox,
    SecurityAuditTrail,
    TeamTemplate,
    TestRun,
)
from .providers import (
    ModelRoutingRule,
    Provider,
    ProviderCredential,
    ProviderHealthCheck,
    ProviderMetric,
    ProviderModel,
)
from .ralph import GoalPlanStep, RalphIteration, RalphLearning, RalphLoop, RalphTask
from .skills import (
    AgentSkill,
    SelfChallenge,
    Skill,
    SkillComposition,
    SkillConflict,
    SkillMutation,
    SkillUsageRecord,
)
from .teams import AgentTeam, AgentTeamMember, TeamChannel, TeamExecution, TeamMessage
from .tools import ToolCategory
from .trust_and_safety import GuardrailConfig, GuardrailEvaluation
from .workflows import (
    CodeReview,
    DeploymentRisk,
    PipelineExecution,
    RecordedInteraction,
    SharedContextPool,
    Workflow,
    WorkflowApprovalToken,
    WorkflowCheckpoint,
    WorkflowCompensation,
    WorkflowEdge,
    WorkflowNode,
    WorkflowNodeExecution,
    WorkflowRun,
    WorkflowRunLog,
    WorkflowSchedule,
    WorkflowTemplate,
    WorkflowTrigger,
    WorkflowVariable,
)
from .worktree import FileLock, MergeOperation, Worktree, WorktreeEvent, WorktreeSession

__all__ = [
    "A2aTask",
    "A2aTaskEvent",
    "AbTest",
    "Agent",
    "AgentBudget",
    "AgentCapability",
    "AgentCard",
    "AgentConfiguration",
    "AgentConnection",
    "AgentEscalation",
    "AgentExecution",
    "AgentExecutionStep",
    "AgentFeedback",
    "AgentGoal",
    "AgentIdentity",
    "AgentInstallation",
    "AgentLineage",
    "AgentObservation",
    "AgentPrivilegePolicy",
    "AgentProposal",
    "AgentReview",
    "AgentShortTermMemory",
    "AgentSkill",
    "AgentTeam",
    "AgentTeamMember",
    "AgentTemplate",
    "AgentTrustScore",
    "AguiEvent",
    "AguiSession",
    "Attachment",
    "BehavioralFingerprint",
    "BudgetAlert",
    "BudgetTransaction",
    "CircuitBreaker",
    "CodeFactoryEvidenceManifest",
    "CodeFactoryHarnessGap",
    "CodeFactoryReviewState",
    "CodeFactoryRiskContract",
    "CodeFactoryRun",
    "CodeFactoryTask",
    "CodeReview",
    "CodeReviewComment",
    "CollusionIndicator",
    "CompoundLearning",
    "ContextAccessLog",
    "ContextEntry",
    "Conversation",
    "CostAttribution",
    "CostOptimizationLog",
    "DagExecution",
    "DataConnector",
    "DataSourceCredential",
    "DelegationPolicy",
    "DeploymentRisk",
    "DevopsTemplate",
    "DevopsTemplateInstallation",
    "DiscoveryResult",
    "Document",
    "DocumentChunk",
    "EncryptedMessage",
    "EvaluationResult",
    "ExecutionEvent",
    "ExecutionTrace",
    "ExecutionTraceSpan",
    "ExperienceReplay",
    "FileLock",
    "GoalPlan",
    "GoalPlanStep",
    "GovernanceReport",
    "GuardrailConfig",
    "GuardrailEvaluation",
    "HybridSearchResult",
    "ImprovementRecommendation",
    "InterventionPolicy",
    "KillSwitchEvent",
    "KnowledgeBase",
    "KnowledgeGraphEdge",
    "KnowledgeGraphNode",
    "McpApp",
    "McpAppInstance",
    "MemoryEntry",
    "MemoryPool",
    "MergeOperation",
    "Message",
    "Mission",
    "MissionApproval",
    "MissionTemplate",
    "MockResponse",
    "ModelPricing",
    "ModelRoutingRule",
    "PerformanceBenchmark",
    "PersistentContext",
    "PipelineExecution",
    "PressureField",
    "Provider",
    "ProviderCredential",
    "ProviderHealthCheck",
    "ProviderMetric",
    "ProviderModel",
    "QuarantineRecord",
    "RagQuery",
    "RalphIteration",
    "RalphLearning",
    "RalphLoop",
    "RalphTask",
    "RecordedInteraction",
    "RemediationLog",
    "RoiMetric",
    "RoleProfile",
    "RoutingDecision",
    "RunnerDispatch",
    "Sandbox",
    "ScheduledMessage",
    "SecurityAuditTrail",
    "SelfChallenge",
    "ShadowExecution",
    "SharedContextPool",
    "SharedKnowledge",
    "Skill",
    "SkillComposition",
    "SkillConflict",
    "SkillMutation",
    "SkillProposal",
    "SkillUsageRecord",
    "SkillVersion",
    "StigmergicSignal",
    "TaskComplexityAssessment",
    "TaskReview",
    "TeamChannel",
    "TeamExecution",
    "TeamMessage",
    "TeamRestructureEvent",
    "TeamRole",
    "TeamTask",
    "TeamTemplate",
    "TelemetryEvent",
    "TemplateUsageMetric",
    "TestResult",
    "TestRun",
    "TestScenario",
    "ToolCategory",
    "Trajectory",
    "TrajectoryChapter",
    "UsageMetric",
    "Workflow",
    "WorkflowApprovalToken",
    "WorkflowCheckpoint",
    "WorkflowCompensation",
    "WorkflowEdge",
    "WorkflowNode",
    "WorkflowNodeExecution",
    "WorkflowRun",
    "WorkflowRunLog",
    "WorkflowSchedule",
    "WorkflowTemplate",
    "WorkflowTrigger",
    "WorkflowVariable",
    "Worktree",
    "WorktreeEvent",
    "WorktreeSession",
]
