package template

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// intrinsicTemplate is the template the intrinsic functions are evaluated in.
const intrinsicTemplate = `
Parameters:
  Stage: {Type: String, Default: dev}
  Size: {Type: Number, Default: 256}
  Subnets: {Type: CommaDelimitedList, Default: "subnet-a, subnet-b,subnet-c"}
  NoDefault: {Type: String}
  Secret: {Type: "AWS::SSM::Parameter::Value<String>", Default: /app/secret}
Mappings:
  Regions:
    us-east-1: {Ami: ami-east, Zones: [a, b]}
    eu-west-1: {Ami: ami-west}
Conditions:
  IsProd: !Equals [prod, !Ref Stage]
  IsDev: !Not [!Condition IsProd]
  DevAndBig: !And [!Condition IsDev, !Equals [!Ref Size, 256]]
  ProdOrEU: !Or [!Condition IsProd, !Equals [!Ref "AWS::Region", eu-west-1]]
  Bad: !Equals [!ImportValue x, y]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: !Sub "${AWS::StackName}-fn-${Stage}"}
  Plain:
    Type: AWS::Lambda::Function
  Table:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: !Sub "${Stage}-items"}
  Unnamed:
    Type: AWS::DynamoDB::Table
  Bucket:
    Type: AWS::S3::Bucket
    Properties: {BucketName: my-bucket}
  Role:
    Type: AWS::IAM::Role
  Layer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/}
  SelfNamed:
    Type: AWS::SNS::Topic
    Properties: {TopicName: !GetAtt SelfNamed.TopicName}
`

func TestIntrinsics(t *testing.T) {
	tests := []struct {
		expr   string // YAML
		params map[string]string
		want   any    // a value, or nil when err
		err    string // substring of the error
		unres  bool   // the error is an unresolvedError
	}{
		{expr: `!Ref Stage`, want: "dev"},
		{expr: `!Ref Stage`, params: map[string]string{"Stage": "prod"}, want: "prod"},
		{expr: `{Ref: Size}`, want: "256"},
		{expr: `!Ref Subnets`, want: []any{"subnet-a", "subnet-b", "subnet-c"}},
		{expr: `!Ref AWS::Region`, want: "us-east-1"},
		{expr: `!Ref AWS::Region`, params: map[string]string{"AWS::Region": "eu-west-1"}, want: "eu-west-1"},
		{expr: `!Ref AWS::AccountId`, want: "000000000000"},
		{expr: `!Ref AWS::StackName`, want: "local"},
		{expr: `!Ref AWS::Partition`, params: map[string]string{"AWS::Region": "cn-north-1"}, want: "aws-cn"},
		{expr: `!Ref AWS::Partition`, params: map[string]string{"AWS::Region": "us-gov-west-1"}, want: "aws-us-gov"},
		{expr: `!Ref AWS::URLSuffix`, params: map[string]string{"AWS::Region": "cn-north-1"}, want: "amazonaws.com.cn"},
		{expr: `[a, !Ref AWS::NoValue, b]`, want: []any{"a", "b"}},
		{expr: `{k: !Ref AWS::NoValue, j: 1}`, want: map[string]any{"j": number("1")}},
		{expr: `!Ref Fn`, want: "local-fn-dev"},
		{expr: `!Ref Fn`, params: map[string]string{"AWS::StackName": "app", "Stage": "qa"}, want: "app-fn-qa"},
		{expr: `!Ref Plain`, want: "Plain"},
		{expr: `!GetAtt Fn.Arn`, want: "arn:aws:lambda:us-east-1:000000000000:function:local-fn-dev"},
		{expr: `{"Fn::GetAtt": [Plain, Arn]}`, params: map[string]string{"AWS::Region": "cn-north-1"}, want: "arn:aws-cn:lambda:cn-north-1:000000000000:function:Plain"},
		{expr: `{"Fn::GetAtt": "Plain.Arn"}`, want: "arn:aws:lambda:us-east-1:000000000000:function:Plain"},
		{expr: `!GetAtt [Fn, !Ref Subnets]`, err: "Fn::GetAtt Fn: want a string, got a list"},
		{expr: `!Sub "${Fn.Arn}:live"`, want: "arn:aws:lambda:us-east-1:000000000000:function:local-fn-dev:live"},
		{expr: `!Sub "${Table}/${Table.Arn}"`, want: "dev-items/arn:aws:dynamodb:us-east-1:000000000000:table/dev-items"},
		{expr: `!Ref Bucket`, want: "my-bucket"},
		{expr: `!GetAtt Bucket.Arn`, want: "arn:aws:s3:::my-bucket"},
		{expr: `!Sub "${ Stage }-${!Literal}-${AWS::Region}"`, want: "dev-${Literal}-us-east-1"},
		{expr: `!Sub ["${A}-${B}-${Stage}", {A: !Ref Size, B: x}]`, want: "256-x-dev"},
		{expr: `!Sub "${Stage"`, err: "unterminated ${"},
		{expr: `!Sub "${Subnets}"`, err: "${Subnets} is a list, not a string"},
		{expr: `!Join ["-", [a, !Ref Stage, 3]]`, want: "a-dev-3"},
		{expr: `!Join [",", !Ref Subnets]`, want: "subnet-a,subnet-b,subnet-c"},
		{expr: `!Join ["", []]`, want: ""},
		{expr: `!Join ["-", a]`, err: "Fn::Join: want a list of values"},
		{expr: `!Select [1, !Ref Subnets]`, want: "subnet-b"},
		{expr: `!Select ["0", [x, y]]`, want: "x"},
		{expr: `!Select [3, [x, y]]`, err: "index 3 out of a list of 2"},
		{expr: `!Select [!Select [0, !Split [",", "1,0"]], !Split ["/", "a/b/c"]]`, want: "b"},
		{expr: `!Split [",", "a,,b"]`, want: []any{"a", "", "b"}},
		{expr: `!If [IsProd, big, small]`, want: "small"},
		{expr: `!If [IsProd, big, small]`, params: map[string]string{"Stage": "prod"}, want: "big"},
		{expr: `!If [IsDev, !Ref AWS::NoValue, x]`, want: noValue},
		{expr: `!If [DevAndBig, yes, no]`, want: "yes"},
		{expr: `!If [DevAndBig, yes, no]`, params: map[string]string{"Size": "512"}, want: "no"},
		{expr: `!If [ProdOrEU, yes, no]`, want: "no"},
		{expr: `!If [ProdOrEU, yes, no]`, params: map[string]string{"AWS::Region": "eu-west-1"}, want: "yes"},
		{expr: `!If [Nope, a, b]`, err: "no condition Nope"},
		{expr: `!If [Bad, a, b]`, err: "condition Bad: Fn::ImportValue cannot be resolved locally", unres: true},
		{expr: `!Equals [!Ref Size, 256]`, want: true},
		{expr: `!FindInMap [Regions, !Ref "AWS::Region", Ami]`, want: "ami-east"},
		{expr: `!FindInMap [Regions, !Ref "AWS::Region", Ami]`, params: map[string]string{"AWS::Region": "eu-west-1"}, want: "ami-west"},
		{expr: `!FindInMap [Regions, us-east-1, Zones]`, want: []any{"a", "b"}},
		{expr: `!FindInMap [Regions, ap-south-1, Ami]`, err: "no Regions.ap-south-1.Ami"},
		{expr: `!FindInMap [Regions, ap-south-1, Ami, {DefaultValue: ami-default}]`, want: "ami-default"},
		{expr: `!Base64 {"Fn::Sub": "${Stage}"}`, want: "ZGV2"},
		{expr: `!ToJsonString {a: !Ref Stage}`, want: `{"a":"dev"}`},
		{expr: `!Length [a, b, c]`, want: number("3")},
		{expr: `!ImportValue shared-table`, err: "Fn::ImportValue cannot be resolved locally", unres: true},
		{expr: `!GetAZs ""`, err: "Fn::GetAZs cannot be resolved locally", unres: true},
		{expr: `!Cidr [10.0.0.0/16, 2, 8]`, err: "Fn::Cidr cannot be resolved locally", unres: true},
		{expr: `!Frobnicate x`, err: "Fn::Frobnicate cannot be resolved locally: not an intrinsic function lambdad knows", unres: true},
		{expr: `!Ref NoDefault`, err: "Ref NoDefault cannot be resolved locally: parameter NoDefault has no Default", unres: true},
		{expr: `!Ref NoDefault`, params: map[string]string{"NoDefault": "given"}, want: "given"},
		{expr: `!Ref Secret`, err: "read from SSM Parameter Store", unres: true},
		{expr: `!Ref Secret`, params: map[string]string{"Secret": "s3cret"}, want: "s3cret"},
		{expr: `!Ref Nowhere`, err: "no parameter or resource Nowhere in the template (Ref Nowhere)"},
		{expr: `!Ref Unnamed`, want: "Unnamed"}, // the logical ID, with a warning (TestUnnamedResourceWarns)
		{expr: `!GetAtt Table.StreamArn`, err: "Table is a AWS::DynamoDB::Table, whose StreamArn CloudFormation knows only once it is deployed", unres: true},
		{expr: `!GetAtt Role.Arn`, err: "Fn::GetAtt Role.Arn cannot be resolved locally", unres: true},
		{expr: `!GetAtt Fn.Version`, err: "lambdad knows a function's Arn only", unres: true},
		{expr: `!GetAtt Nowhere.Arn`, err: "no resource Nowhere"},
		{expr: `!Ref SelfNamed`, err: "SelfNamed's TopicName refers to itself"},
		{expr: `!Ref AWS::NotificationARNs`, err: "Ref AWS::NotificationARNs cannot be resolved locally", unres: true},
		{expr: `!Sub "${Layer}"`, err: "${Layer} is a Ref to the layer Layer (a layer's ARN is not known locally"},
		{expr: `!Ref [a]`, err: "a Ref wants the name of a parameter or resource, got a list"},
	}
	top, err := parse([]byte(intrinsicTemplate))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		name := tt.expr
		if len(tt.params) > 0 {
			name += " with params"
		}
		t.Run(name, func(t *testing.T) {
			l, err := newLoader("template.yaml", "/tmpl", top, tt.params)
			if err != nil {
				t.Fatal(err)
			}
			expr, err := parse([]byte("v: " + tt.expr))
			if err != nil {
				t.Fatal(err)
			}
			got, err := l.r.resolve(expr["v"])
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("= %#v, %v; want an error saying %q", got, err, tt.err)
				}
				var u *unresolvedError
				if errors.As(err, &u) != tt.unres {
					t.Errorf("error %v: unresolvedError %v, want %v", err, !tt.unres, tt.unres)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("= %#v, %v; want %#v", got, err, tt.want)
			}
		})
	}
}

// TestLayerRef: a Ref to a layer of the template is its local path.
func TestLayerRef(t *testing.T) {
	top, err := parse([]byte(intrinsicTemplate))
	if err != nil {
		t.Fatal(err)
	}
	l, err := newLoader("template.yaml", "/tmpl", top, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.r.resolve(map[string]any{"Ref": "Layer"})
	if want := (localLayer{logicalID: "Layer", path: "/tmpl/layer"}); err != nil || got != want {
		t.Errorf("Ref Layer = %#v, %v; want %#v", got, err, want)
	}
}
