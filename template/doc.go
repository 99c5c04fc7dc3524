// Package template reads the functions of an AWS SAM or CloudFormation
// template (YAML or JSON) as lambdad function definitions: Load yields, for
// each AWS::Serverless::Function and AWS::Lambda::Function, a Function
// whose Definition is in function.json's format, for
// function.Loader.LoadDefinition. It reads files and nothing else: it
// starts nothing, fetches nothing and writes nothing.
//
// # Functions
//
// A function's name is its FunctionName when that resolves to a string,
// else its logical ID. Its properties, SAM's or CloudFormation's names:
//
//   - CodeUri (SAM; "." when absent, as sam local takes it) or Code
//     (AWS::Lambda::Function, a path as aws cloudformation package takes
//     it): a directory or a .zip, relative to the template's directory.
//     An S3 location (s3://…, {Bucket, Key}, Code.S3Bucket), inline code
//     (InlineCode, Code.ZipFile) and a CodeUri that does not exist are
//     the function's error.
//   - PackageType Image with ImageUri (SAM) or Code.ImageUri, and
//     ImageConfig (EntryPoint, Command, WorkingDirectory). An image that
//     SAM would build (Metadata.DockerContext, no ImageUri) is an error
//     saying to build it first.
//   - Handler, Runtime, MemorySize, Timeout, Environment.Variables,
//     EphemeralStorage.Size, ReservedConcurrentExecutions, and
//     ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions as
//     lambdad's ProvisionedConcurrency.
//   - Layers: each a Ref to an AWS::Serverless::LayerVersion (ContentUri)
//     or AWS::Lambda::LayerVersion (Content, a local path) of the same
//     template, which becomes that directory or .zip; or a local path. A
//     layer ARN is an error: lambdad has no layer registry.
//   - AutoPublishAlias, carried as Function.AutoPublishAlias.
//
// Every other property (Events, Policies, Role, VpcConfig, Tracing,
// Architectures, DeploymentPreference, FunctionUrlConfig, …) is ignored,
// intrinsic functions and all; so are resources of other types, nested
// stacks and applications. A function resource whose Condition is false
// is not there. Globals.Function is merged under each
// AWS::Serverless::Function's properties (not AWS::Lambda::Function's)
// by SAM's rules: mappings merged key by key, lists concatenated (the
// global entries first), and otherwise (scalars, intrinsic functions,
// values of different kinds) the function's own value wins.
//
// A template the AWS CDK synthesised (cdk synth's cdk.out/<Stack>.template.json)
// names each function's code twice: in Code, the S3 location its asset will
// have once deployed, and in the resource's Metadata (aws:asset:path, with
// aws:asset:property Code), the asset's directory or zip in cdk.out. The
// latter is what lambdad serves. Image assets, built and pushed by the CDK
// at deploy, are not.
//
// To run code that sam build compiles or gathers (Go or Java sources, a
// requirements.txt, an image from a Dockerfile), run sam build and load
// .aws-sam/build/template.yaml, whose CodeUri, ContentUri and ImageUri
// name what it built.
//
// # Intrinsic functions
//
// Both the long forms (Ref, Fn::Sub, …) and YAML's short tags (!Ref,
// !Sub, !GetAtt a.b, …) are read. Evaluated:
//
//   - Ref to a parameter: its override (Load's params), else its Default;
//     list types (CommaDelimitedList, List<…>) split at commas. An
//     AWS::SSM::Parameter::Value<…> parameter has only the value its
//     override gives it: lambdad reads no Parameter Store.
//   - Ref to a pseudo parameter: AWS::Region (us-east-1), AWS::AccountId
//     (000000000000), AWS::StackName ("local"), AWS::Partition and
//     AWS::URLSuffix (from the region), AWS::StackId, AWS::NoValue; params
//     may set the first four.
//   - Ref to a function of the template: its name; Fn::GetAtt Fn.Arn:
//     arn:aws:lambda:REGION:000000000000:function:NAME.
//   - Ref and Fn::GetAtt of a resource the template names: a DynamoDB
//     table or SimpleTable (TableName: Ref, Arn), an S3 bucket (BucketName:
//     Ref, Arn), an SQS queue (QueueName: Ref as its URL, Arn, QueueName,
//     QueueUrl), an SNS topic (TopicName: Ref, TopicArn, TopicName), a
//     state machine, an event bus, an SSM parameter.
//   - Fn::Sub (both forms), Fn::Join, Fn::Select, Fn::Split, Fn::If with
//     the template's Conditions (Fn::Equals, Fn::Not, Fn::And, Fn::Or,
//     Condition), Fn::FindInMap with Mappings (and a DefaultValue),
//     Fn::Base64, Fn::ToJsonString, Fn::Length.
//
// A resource of those kinds that does not name itself (a SimpleTable
// without TableName, as sam init makes them) is named by its logical ID,
// as under sam local, and the function's Warnings say so.
//
// Not evaluated, as their values exist only once a stack is deployed:
// Fn::ImportValue, Fn::GetAZs, Fn::Cidr, Fn::Transform (macros), the
// attributes of a resource CloudFormation makes (a role, an API),
// AWS::NotificationARNs, and a layer's ARN outside Layers. One of them in a property lambdad reads is that
// function's error, naming the property and the intrinsic; in a property
// lambdad ignores it is ignored, and in FunctionName the logical ID is
// the name. Fn::ForEach (AWS::LanguageExtensions) is not expanded: it is
// an error of its own.
package template
