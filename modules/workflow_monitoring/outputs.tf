output "alarm_names" {
  description = "Names of the alarms, by \"<key>-<kind>\"."
  value       = local.alarm_names
}

output "alarm_arns" {
  description = "ARNs of the alarms (built from names, so known at plan): the topic policy's aws:SourceArn for cloudwatch.amazonaws.com."
  value       = values(local.alarm_arns)
}

output "dashboard_name" {
  description = "Name of the dashboard, or null when it is not created."
  value       = var.create_dashboard ? var.name_prefix : null
}

output "dashboard_body" {
  description = "The dashboard's JSON body (also when no dashboard is created)."
  value       = jsonencode({ widgets = local.widgets })
}
