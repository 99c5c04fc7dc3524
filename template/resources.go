package template

// Resource types lambdad reads.
const (
	typeServerlessFunction = "AWS::Serverless::Function"
	typeLambdaFunction     = "AWS::Lambda::Function"
	typeServerlessLayer    = "AWS::Serverless::LayerVersion"
	typeLambdaLayer        = "AWS::Lambda::LayerVersion"
)

// namedResource is a resource type whose Ref and some attributes follow
// from the name a property gives it: known before deployment when the
// template names the resource.
type namedResource struct {
	nameProperty string
	ref          func(r *resolver, name string) string
	attrs        map[string]func(r *resolver, name string) string
}

func identity(_ *resolver, name string) string { return name }

// namedResources are the resource types functions most often refer to.
var namedResources = map[string]namedResource{
	"AWS::DynamoDB::Table": {
		nameProperty: "TableName",
		ref:          identity,
		attrs:        map[string]func(*resolver, string) string{"Arn": tableARN},
	},
	"AWS::Serverless::SimpleTable": {
		nameProperty: "TableName",
		ref:          identity,
		attrs:        map[string]func(*resolver, string) string{"Arn": tableARN},
	},
	"AWS::S3::Bucket": {
		nameProperty: "BucketName",
		ref:          identity,
		attrs: map[string]func(*resolver, string) string{
			"Arn": func(r *resolver, n string) string { return "arn:" + r.pseudo["AWS::Partition"] + ":s3:::" + n },
		},
	},
	"AWS::SQS::Queue": {
		nameProperty: "QueueName",
		ref:          queueURL,
		attrs: map[string]func(*resolver, string) string{
			"Arn":       func(r *resolver, n string) string { return r.arn("sqs", n) },
			"QueueName": identity,
			"QueueUrl":  queueURL,
		},
	},
	"AWS::SNS::Topic": {
		nameProperty: "TopicName",
		ref:          topicARN,
		attrs:        map[string]func(*resolver, string) string{"TopicArn": topicARN, "TopicName": identity},
	},
	"AWS::Serverless::StateMachine": {
		nameProperty: "Name",
		ref:          stateMachineARN,
		attrs:        map[string]func(*resolver, string) string{"Arn": stateMachineARN, "Name": identity},
	},
	"AWS::StepFunctions::StateMachine": {
		nameProperty: "StateMachineName",
		ref:          stateMachineARN,
		attrs:        map[string]func(*resolver, string) string{"Arn": stateMachineARN, "Name": identity},
	},
	"AWS::Events::EventBus": {
		nameProperty: "Name",
		ref:          identity,
		attrs: map[string]func(*resolver, string) string{
			"Arn":  func(r *resolver, n string) string { return r.arn("events", "event-bus/"+n) },
			"Name": identity,
		},
	},
	"AWS::SSM::Parameter": {
		nameProperty: "Name",
		ref:          identity,
	},
}

func tableARN(r *resolver, n string) string        { return r.arn("dynamodb", "table/"+n) }
func topicARN(r *resolver, n string) string        { return r.arn("sns", n) }
func stateMachineARN(r *resolver, n string) string { return r.arn("states", "stateMachine:"+n) }

func queueURL(r *resolver, n string) string {
	return "https://sqs." + r.pseudo["AWS::Region"] + "." + r.pseudo["AWS::URLSuffix"] + "/" + r.pseudo["AWS::AccountId"] + "/" + n
}
